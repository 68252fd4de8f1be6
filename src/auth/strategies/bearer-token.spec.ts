import { bearerToken } from './bearer-token.js';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl';
const withHeader = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } });

describe('bearerToken', () => {
  it.each([[`Bearer ${TOKEN}`], [`bearer ${TOKEN}`], [`BEARER ${TOKEN}`], [`Bearer  ${TOKEN}`]])('reads the token of %j', (header) => {
    expect(bearerToken(withHeader(header))).toBe(TOKEN);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the bare scheme', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['another scheme', `Basic ${TOKEN}`],
    ['no scheme', TOKEN],
    ['a word after the token', `Bearer ${TOKEN} extra`],
    ['a second token', `Bearer ${TOKEN} ${TOKEN}`],
    ['two Bearer words', `Bearer Bearer ${TOKEN}`],
    ['a tab after the token', `Bearer ${TOKEN}\tx`],
    ['a tab as the separator', `Bearer\t${TOKEN}`],
    ['a comma after the token', `Bearer ${TOKEN},x`],
    ['a character outside b64token', `Bearer ${TOKEN}"`],
  ])('null for %s', (_, header) => {
    expect(bearerToken(withHeader(header))).toBeNull();
  });
});
