import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { codePointLength } from '../../passwords/password-length.js';
import { EMAIL_MAX_LENGTH, EmailField, PasswordField } from './fields.js';

class Body {
  @EmailField()
  email!: string;

  @PasswordField()
  password!: string;
}

async function check(plain: Record<string, unknown>): Promise<{ body: Body; failed: string[] }> {
  const body = plainToInstance(Body, plain);
  const errors = await validate(body);
  return { body, failed: errors.map((error) => error.property).sort() };
}

describe('codePointLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['😀', 1],
    ['a😀b', 3],
    ['😀'.repeat(128), 128],
    ['é', 1],
    ['e\u0301', 2],
    ['日本語', 3],
    ['𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 7],
  ])('%j has %d code points', (text, count) => {
    expect(codePointLength(text)).toBe(count);
  });

  it('an emoji counts once although it is two UTF-16 units', () => {
    expect('😀'.length).toBe(2);
    expect(codePointLength('😀')).toBe(1);
  });
});

/** A well-formed address of the given length (local part 64, domain labels of at most 60). */
function emailOfLength(length: number): string {
  const domain = `${['b'.repeat(60), 'b'.repeat(60), 'b'.repeat(60)].join('.')}.${'c'.repeat(length - 64 - 1 - 182 - 5)}.com`;
  return `${'a'.repeat(64)}@${domain}`;
}

describe('EmailField', () => {
  it('accepts an address of exactly 254 characters', async () => {
    const email = emailOfLength(EMAIL_MAX_LENGTH);
    expect(email).toHaveLength(254);
    const { failed } = await check({ email, password: 'x' });
    expect(failed).toEqual([]);
  });

  it('trims and lower-cases before checking', async () => {
    const { body, failed } = await check({ email: '  Some.One@Example.COM ', password: 'x' });
    expect(failed).toEqual([]);
    expect(body.email).toBe('some.one@example.com');
  });

  it.each([
    ['every allowed special character', "a.b!#$%&'*+/=?^_`{|}~-z@example.com"],
    ['digits and dots', '1.2.3@example.com'],
  ])('accepts a local part of %s', async (_, email) => {
    const { body, failed } = await check({ email, password: 'x' });
    expect(failed).toEqual([]);
    expect(body.email).toBe(email);
  });

  it.each([
    ['Bücher.example', 'info@bücher.example', 'info@xn--bcher-kva.example'],
    ['an upper-case IDN', 'Info@BÜCHER.Example', 'info@xn--bcher-kva.example'],
    ['a Japanese domain', 'user@例え.jp', 'user@xn--r8jz45g.jp'],
  ])('stores an internationalised domain (%s) as punycode', async (_, email, stored) => {
    const { body, failed } = await check({ email, password: 'x' });
    expect(failed).toEqual([]);
    expect(body.email).toBe(stored);
  });

  it.each([
    ['a quoted local part', '"john doe"@example.com'],
    ['a quoted local part without spaces', '"john"@example.com'],
    ['a space', 'john doe@example.com'],
    ['a tab', 'john\tdoe@example.com'],
    ['a control character', 'john\u0001@example.com'],
    ['a DEL character', 'john\u007f@example.com'],
    ['a non-ASCII local part', 'jöhn@example.com'],
    ['an emoji local part', '😀@example.com'],
    ['a leading dot', '.john@example.com'],
    ['a trailing dot', 'john.@example.com'],
    ['a double dot', 'jo..hn@example.com'],
    ['a comma', 'jo,hn@example.com'],
    ['a colon', 'jo:hn@example.com'],
    ['a semicolon', 'jo;hn@example.com'],
    ['angle brackets', 'jo<hn>@example.com'],
    ['square brackets', 'jo[hn]@example.com'],
    ['parentheses (a comment)', 'john(comment)@example.com'],
    ['a backslash', 'jo\\hn@example.com'],
    ['two @', 'jo@hn@example.com'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['an invalid IDN', 'user@xn--.example'],
  ])('refuses %s', async (_, email) => {
    const { failed } = await check({ email, password: 'x' });
    expect(failed).toEqual(['email']);
  });

  it.each([
    ['not an email', 'not-an-email'],
    ['no TLD', 'user@localhost'],
    ['an IP domain', 'user@[127.0.0.1]'],
    ['a number', 42],
    ['an object', { $ne: '' }],
    ['an array', ['a@example.com']],
    ['null', null],
    ['255 characters long', emailOfLength(EMAIL_MAX_LENGTH + 1)],
  ])('refuses %s', async (_, email) => {
    const { failed } = await check({ email, password: 'x' });
    expect(failed).toEqual(['email']);
  });
});

describe('PasswordField', () => {
  it.each([
    ['128 ASCII characters', 'x'.repeat(128)],
    ['128 emoji (256 UTF-16 units)', '😀'.repeat(128)],
    ['spaces and symbols', ' pass word ! 😀 '],
    ['one character (the lower bound is the policy’s)', 'x'],
    ['200 code points that NFKC composes into 100 (é as e + combining acute)', 'e\u0301'.repeat(100)],
  ])('accepts %s', async (_, password) => {
    const { failed } = await check({ email: 'a@example.com', password });
    expect(failed).toEqual([]);
  });

  it.each([
    ['129 characters', 'x'.repeat(129)],
    ['129 emoji', '😀'.repeat(129)],
    ['129 code points after NFKC composition', 'e\u0301'.repeat(129)],
    ['over 512 bytes, however few code points it has after NFKC (Hangul jamo: 540 bytes, 60 syllables)', '\u1100\u1161\u11a8'.repeat(60)],
    ['a NUL character', 'password\u0000123'],
    ['a number', 12345678],
    ['an array', ['password123']],
    ['missing', undefined],
  ])('refuses %s', async (_, password) => {
    const { failed } = await check({ email: 'a@example.com', password });
    expect(failed).toEqual(['password']);
  });

  it('is not trimmed or changed', async () => {
    const { body } = await check({ email: 'a@example.com', password: '  Secret  ' });
    expect(body.password).toBe('  Secret  ');
  });
});
