import request from 'supertest';
import { SecretBox } from '../../src/mfa/secret-box.js';
import { bearer, decodeJwt, signIn, signUp, uniqueEmail } from '../support/api.js';
import { useTestApp, TEST_SECRETS } from '../support/test-app.js';
import { amrOf, awayFromStepBoundary, codeAt, enrol, otherCode, passwordStep } from './mfa-helpers.js';

const BASE32 = /^[A-Z2-7]+=*$/;
const RECOVERY_CODE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

describe('TOTP enrolment: setup, enable, encryption at rest, amr', () => {
  const t = useTestApp();

  const eventsOf = (userId: number, type: string) => t.prisma.auditEvent.findMany({ where: { userId, type } });

  it('401 without a token on setup and enable', async () => {
    expect((await request(t.http).post('/auth/mfa/totp/setup')).status).toBe(401);
    expect((await request(t.http).post('/auth/mfa/totp/enable').send({ code: '123456' })).status).toBe(401);
  });

  it('setup answers a base32 secret and its otpauth:// URL (issuer, email, SHA-1, 6 digits, 30 s); TOTP stays off', async () => {
    const user = await signUp(t.http, uniqueEmail('setup'));
    const response = await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken));
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['otpauthUrl', 'secret']);
    expect(response.body.secret).toMatch(BASE32);
    expect(response.body.secret.length).toBeGreaterThanOrEqual(32); // 160 bits
    const url = new URL(response.body.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe(`/nest-jwt-auth:${user.email}`);
    expect(url.searchParams.get('secret')).toBe(response.body.secret);
    expect(url.searchParams.get('issuer')).toBe('nest-jwt-auth');
    expect(url.searchParams.get('algorithm') ?? 'SHA1').toBe('SHA1');
    expect(url.searchParams.get('digits') ?? '6').toBe('6');
    expect(url.searchParams.get('period') ?? '30').toBe('30');
    const me = await request(t.http).get('/users/me').set(bearer(user.accessToken));
    expect(me.body.mfaEnabled).toBe(false);
    expect((await request(t.http).post('/auth/signin').send({ email: user.email, password: 'correct-horse-42' })).body.accessToken).toEqual(
      expect.any(String),
    );
  });

  it('encrypts the secret at rest (AES-256-GCM under MFA_ENCRYPTION_KEY, bound to the user): the row does not give it', async () => {
    const user = await signUp(t.http, uniqueEmail('at-rest'));
    const { secret } = (await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).body;
    const [row] = await t.prisma.$queryRaw<
      { secret_ciphertext: string }[]
    >`SELECT secret_ciphertext FROM totp_factors WHERE user_id = ${user.id}`;
    const stored = row.secret_ciphertext;
    expect(stored).not.toContain(secret);
    expect(stored.toUpperCase()).not.toContain(secret);
    const raw = Buffer.from(secret, 'utf8');
    for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(stored).not.toContain(raw.toString(encoding));
    // The configured key opens it for this user only; another key, or another user's row, does not.
    const box = new SecretBox(Buffer.from(TEST_SECRETS.MFA_ENCRYPTION_KEY, 'base64'));
    expect(box.open(stored, `totp:${user.id}`)).toBe(secret);
    expect(() => box.open(stored, `totp:${user.id + 1}`)).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 1)).open(stored, `totp:${user.id}`)).toThrow();
  });

  it('enable: 400 for a wrong code or without setup, leaving TOTP off; 400 for a malformed code', async () => {
    const user = await signUp(t.http, uniqueEmail('enable-bad'));
    const noSetup = await request(t.http).post('/auth/mfa/totp/enable').set(bearer(user.accessToken)).send({ code: '123456' });
    expect(noSetup.status).toBe(400);
    const { secret } = (await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).body;
    await awayFromStepBoundary();
    const right = codeAt(secret);
    const wrong = otherCode(right);
    const response = await request(t.http).post('/auth/mfa/totp/enable').set(bearer(user.accessToken)).send({ code: wrong });
    expect(response.status).toBe(400);
    for (const code of ['12345', '1234567', 'abcdef', 123456, '']) {
      const malformed = await request(t.http).post('/auth/mfa/totp/enable').set(bearer(user.accessToken)).send({ code });
      expect({ code, status: malformed.status }).toEqual({ code, status: 400 });
    }
    expect((await request(t.http).post('/auth/mfa/totp/enable').set(bearer(user.accessToken)).send({ code: right, extra: 1 })).status).toBe(
      400,
    );
    expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(false);
    expect(await t.prisma.recoveryCode.count({ where: { userId: user.id } })).toBe(0);
    expect(await eventsOf(user.id, 'mfa.enabled')).toHaveLength(0);
  });

  it('a restarted setup replaces the secret: a code of the first one no longer enables', async () => {
    const user = await signUp(t.http, uniqueEmail('restart'));
    const first = (await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).body.secret;
    const second = (await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).body.secret;
    expect(second).not.toBe(first);
    await awayFromStepBoundary();
    expect(
      (
        await request(t.http)
          .post('/auth/mfa/totp/enable')
          .set(bearer(user.accessToken))
          .send({ code: codeAt(first) })
      ).status,
    ).toBe(400);
    expect(
      (
        await request(t.http)
          .post('/auth/mfa/totp/enable')
          .set(bearer(user.accessToken))
          .send({ code: codeAt(second) })
      ).status,
    ).toBe(200);
  });

  it('enable with a first code: 10 single-use recovery codes (stored as hashes), other sessions revoked, this one second-factor verified', async () => {
    const email = uniqueEmail('enable');
    const user = await signUp(t.http, email);
    const other = await signIn(t.http, email);
    expect(amrOf(user.accessToken)).toEqual(['pwd']);
    const { secret } = (await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).body;
    await awayFromStepBoundary();
    const response = await request(t.http)
      .post('/auth/mfa/totp/enable')
      .set(bearer(user.accessToken))
      .send({ code: codeAt(secret) });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['recoveryCodes']);
    const codes = response.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE);

    const rows = await t.prisma.recoveryCode.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
    for (const row of rows) expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);

    // The other session is revoked (access and refresh); this one stays, and its next tokens say otp.
    expect((await request(t.http).get('/users/me').set(bearer(other.accessToken))).status).toBe(401);
    expect((await request(t.http).post('/auth/refresh').set(bearer(other.refreshToken))).status).toBe(401);
    const me = await request(t.http).get('/users/me').set(bearer(user.accessToken));
    expect(me.status).toBe(200);
    expect(me.body.mfaEnabled).toBe(true);
    const refreshed = await request(t.http).post('/auth/refresh').set(bearer(user.refreshToken));
    expect(refreshed.status).toBe(200);
    expect(amrOf(refreshed.body.accessToken)).toEqual(['pwd', 'otp']);
    // ...and keeps saying it on every later refresh.
    const again = await request(t.http).post('/auth/refresh').set(bearer(refreshed.body.refreshToken));
    expect(amrOf(again.body.accessToken)).toEqual(['pwd', 'otp']);

    const [event] = await eventsOf(user.id, 'mfa.enabled');
    expect(event).toMatchObject({ sessionId: decodeJwt(user.accessToken).payload.sid, detail: { sessionsRevoked: 1 } });
    expect(JSON.stringify(event.detail)).not.toContain(secret);

    // 409 once enabled, for setup and enable (409 wins over a wrong code).
    expect((await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).status).toBe(409);
    expect((await request(t.http).post('/auth/mfa/totp/enable').set(bearer(user.accessToken)).send({ code: '000000' })).status).toBe(409);
    expect(response.text).not.toContain(secret);
  });

  it('two enables at once with one code: exactly one succeeds, one set of recovery codes is stored', async () => {
    const user = await signUp(t.http, uniqueEmail('enable-race'));
    const { secret } = (await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).body;
    await awayFromStepBoundary();
    const code = codeAt(secret);
    const responses = await Promise.all(
      [1, 2, 3].map(() => request(t.http).post('/auth/mfa/totp/enable').set(bearer(user.accessToken)).send({ code })),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409, 409]);
    expect(await t.prisma.recoveryCode.count({ where: { userId: user.id } })).toBe(10);
    expect(await eventsOf(user.id, 'mfa.enabled')).toHaveLength(1);
  });

  it('the code that enabled TOTP cannot be replayed at sign-in (its step is used up)', async () => {
    const email = uniqueEmail('enable-replay');
    const user = await signUp(t.http, email);
    const { secret } = (await request(t.http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken))).body;
    await awayFromStepBoundary();
    const code = codeAt(secret);
    expect((await request(t.http).post('/auth/mfa/totp/enable').set(bearer(user.accessToken)).send({ code })).status).toBe(200);
    const mfaToken = await passwordStep(t.http, email);
    expect((await request(t.http).post('/auth/signin/mfa').send({ mfaToken, code })).status).toBe(401);
    expect(
      (
        await request(t.http)
          .post('/auth/signin/mfa')
          .send({ mfaToken, code: codeAt(secret, 1) })
      ).status,
    ).toBe(200);
  });

  it('a plain sign-in carries amr ["pwd"]; mfaEnabled is in the public user shape everywhere', async () => {
    const user = await signUp(t.http, uniqueEmail('amr'));
    expect(amrOf(user.accessToken)).toEqual(['pwd']);
    const enrolled = await enrol(t.http, user);
    expect(amrOf(enrolled.session.accessToken)).toEqual(['pwd', 'otp']);
    const me = await request(t.http).get('/users/me').set(bearer(enrolled.session.accessToken));
    expect(me.body).toMatchObject({ id: user.id, mfaEnabled: true });
  });
});
