import request from 'supertest';
import { uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

/** A password of exactly n code points, none of them ASCII-only patterns on the common list. */
const ofLength = (n: number, unit = 'k') => unit.repeat(n);

describe('password policy (PASSWORD_MIN_LENGTH=10)', () => {
  const t = useTestApp({ PASSWORD_MIN_LENGTH: '10' });

  const signUp = (password: string) => request(t.http).post('/auth/signup').send({ email: uniqueEmail(), password });

  it('refuses min-1 code points and accepts min', async () => {
    const short = await signUp(ofLength(9));
    expect(short.status).toBe(400);
    expect(short.body.message).toEqual(['password must be at least 10 characters long']);
    expect((await signUp(ofLength(10))).status).toBe(201);
  });

  it('accepts 128 code points and refuses 129, never truncating', async () => {
    const email = uniqueEmail();
    const long = ofLength(128, 'q');
    expect((await request(t.http).post('/auth/signup').send({ email, password: long })).status).toBe(201);
    expect((await signUp(ofLength(129, 'q'))).status).toBe(400);
    // Not truncated: the first 127 characters are not the password.
    expect(
      (
        await request(t.http)
          .post('/auth/signin')
          .send({ email, password: long.slice(0, 127) })
      ).status,
    ).toBe(401);
    expect((await request(t.http).post('/auth/signin').send({ email, password: long })).status).toBe(200);
  });

  it('counts code points, not UTF-16 units: 10 emoji pass, 9 do not, 128 pass, 129 do not', async () => {
    const emoji = '🔑';
    expect(emoji.length).toBe(2);
    expect((await signUp(ofLength(9, emoji))).status).toBe(400);
    const email = uniqueEmail();
    expect(
      (
        await request(t.http)
          .post('/auth/signup')
          .send({ email, password: ofLength(10, emoji) })
      ).status,
    ).toBe(201);
    expect(
      (
        await request(t.http)
          .post('/auth/signin')
          .send({ email, password: ofLength(10, emoji) })
      ).status,
    ).toBe(200);
    expect((await signUp(ofLength(128, emoji))).status).toBe(201);
    expect((await signUp(ofLength(129, emoji))).status).toBe(400);
  });

  it('counts code points after NFKC: 12 decomposed é (e + combining acute, 24 code points as sent) are 12, 9 are too short', async () => {
    const decomposed = (n: number) => 'e\u0301'.repeat(n);
    const users = await t.prisma.user.count();
    const short = await signUp(decomposed(9));
    expect(short.status).toBe(400);
    expect(short.body.message).toEqual(['password must be at least 10 characters long']);
    expect(await t.prisma.user.count()).toBe(users);
    // 100 composed characters sent as 200 code points are within the 128 maximum; the composed form signs in.
    const email = uniqueEmail();
    expect(
      (
        await request(t.http)
          .post('/auth/signup')
          .send({ email, password: decomposed(100) })
      ).status,
    ).toBe(201);
    expect(
      (
        await request(t.http)
          .post('/auth/signin')
          .send({ email, password: 'é'.repeat(100) })
      ).status,
    ).toBe(200);
  });

  it('stores an internationalised domain as punycode: the Unicode and ASCII spellings are one account', async () => {
    const created = await request(t.http)
      .post('/auth/signup')
      .send({ email: 'Anna@Bücher.Example', password: ofLength(12) });
    expect(created.status).toBe(201);
    expect(created.body.email).toBe('anna@xn--bcher-kva.example');
    const again = await request(t.http)
      .post('/auth/signup')
      .send({ email: 'anna@xn--bcher-kva.example', password: ofLength(12) });
    expect(again.status).toBe(409);
    expect(
      (
        await request(t.http)
          .post('/auth/signin')
          .send({ email: 'anna@bücher.example', password: ofLength(12) })
      ).status,
    ).toBe(200);
  });

  it.each([['"quoted"@example.com'], ['jöhn@example.com'], ['a b@example.com']])(
    'refuses the address %j with a 400, storing nothing',
    async (email) => {
      const users = await t.prisma.user.count();
      expect(
        (
          await request(t.http)
            .post('/auth/signup')
            .send({ email, password: ofLength(12) })
        ).status,
      ).toBe(400);
      expect(await t.prisma.user.count()).toBe(users);
    },
  );

  it('accepts any characters, with no composition rules', async () => {
    expect((await signUp('пароль без цифр и знаков')).status).toBe(201);
    expect((await signUp('all lowercase words here')).status).toBe(201);
  });

  it('refuses a listed common password in any case, saying why, and stores nothing', async () => {
    const users = await t.prisma.user.count();
    for (const password of ['password123', 'PASSWORD123', 'iloveyou12', 'qwertyuiop', 'QwErTyUiOp', '1234567890']) {
      const response = await signUp(password);
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([expect.stringMatching(/too common/)]);
    }
    expect(await t.prisma.user.count()).toBe(users);
  });
});
