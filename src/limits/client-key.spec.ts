import { clientKeyOf } from './client-key.js';

describe('clientKeyOf', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:aa:1::1', '2001:db8:aa:1::/64'],
    ['2001:db8:aa:1:ffff:ffff:ffff:ffff', '2001:db8:aa:1::/64'],
    ['2001:0DB8:00AA:0001:1234:5678:9abc:def0', '2001:db8:aa:1::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientKeyOf(ip)).toBe(key);
  });

  it('two addresses of one /64 share a key; of two /64s they do not', () => {
    expect(clientKeyOf('2001:db8::1')).toBe(clientKeyOf('2001:db8::ffff:1'));
    expect(clientKeyOf('2001:db8:0:1::1')).not.toBe(clientKeyOf('2001:db8:0:2::1'));
  });

  it('an absent address is one shared key', () => {
    expect(clientKeyOf(undefined)).toBe('unknown');
  });
});
