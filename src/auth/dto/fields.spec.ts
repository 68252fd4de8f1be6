import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { codePointLength, EMAIL_MAX_LENGTH, EmailField, PasswordField } from './fields.js';

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
  ])('accepts %s', async (_, password) => {
    const { failed } = await check({ email: 'a@example.com', password });
    expect(failed).toEqual([]);
  });

  it.each([
    ['129 characters', 'x'.repeat(129)],
    ['129 emoji', '😀'.repeat(129)],
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
