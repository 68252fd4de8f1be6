import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { SystemClock } from '../clock/clock.js';
import { loadConfig, type AppConfig } from '../config/app-config.js';
import { Role } from '../generated/prisma/enums.js';
import { tokenKeysFrom, type TokenKeys } from './token-keys.js';
import { epochSeconds, hashToken, TokenService, type RefreshTokenFields } from './token.service.js';

const jwk = (kid: string) => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid });
const SECRETS = {
  JWT_ACCESS_KEYS: JSON.stringify({ keys: [jwk('signing-key'), jwk('older-key')] }),
  JWT_REFRESH_SECRET: 'unit-refresh-secret-0123456789-abcdefghij',
};

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, payload };
}

describe('TokenService', () => {
  let config: AppConfig;
  let keys: TokenKeys;
  let jwt: JwtService;
  let tokens: TokenService;
  const sessionId = randomUUID();

  beforeEach(() => {
    config = loadConfig(SECRETS);
    keys = tokenKeysFrom(config);
    jwt = new JwtService({});
    tokens = new TokenService(jwt, keys, config, new SystemClock());
  });

  const refreshFields = (overrides: Partial<RefreshTokenFields> = {}): RefreshTokenFields => ({
    userId: 7,
    sessionId,
    tokenId: '3b241101-e2bb-4255-8caf-4136c566a962',
    issuedAt: 1_800_000_000,
    expiresAt: 1_800_604_800,
    ...overrides,
  });

  describe('signRefreshToken', () => {
    it('is deterministic: the same fields give the same string, even from another instance with the same keys', () => {
      const first = tokens.signRefreshToken(refreshFields());
      expect(tokens.signRefreshToken(refreshFields())).toBe(first);
      const other = new TokenService(new JwtService({}), tokenKeysFrom(loadConfig(SECRETS)), loadConfig(SECRETS), new SystemClock());
      expect(other.signRefreshToken(refreshFields())).toBe(first);
    });

    it.each([
      ['tokenId', { tokenId: '9b2c4f1e-0f6a-4c43-9a3f-2f0c2b7c1d11' }],
      ['issuedAt', { issuedAt: 1_800_000_001 }],
      ['expiresAt', { expiresAt: 1_800_604_801 }],
      ['userId', { userId: 8 }],
      ['sessionId', { sessionId: randomUUID() }],
    ])('a different %s gives a different token', (_, change) => {
      expect(tokens.signRefreshToken(refreshFields(change))).not.toBe(tokens.signRefreshToken(refreshFields()));
    });

    it('carries exactly the documented claims and the refresh typ, signed HS256 with the refresh key only', () => {
      const token = tokens.signRefreshToken(refreshFields());
      expect(decode(token)).toEqual({
        header: { alg: 'HS256', typ: 'rt+jwt' },
        payload: {
          sub: '7',
          sid: sessionId,
          iss: 'nest-jwt-auth',
          aud: 'nest-jwt-auth',
          iat: 1_800_000_000,
          exp: 1_800_604_800,
          jti: '3b241101-e2bb-4255-8caf-4136c566a962',
        },
      });
      const clock = { clockTimestamp: 1_800_000_010 };
      expect(jwt.verify(token, { secret: keys.refresh as unknown as string, algorithms: ['HS256'], ...clock })).toMatchObject({ sub: '7' });
      const accessPublicKey = keys.access.publicKeys.get('signing-key') as unknown as string;
      expect(() => jwt.verify(token, { secret: accessPublicKey, algorithms: ['HS256'], ...clock })).toThrow();
    });

    it('a different refresh secret gives a different signature', () => {
      const other = loadConfig({ ...SECRETS, JWT_REFRESH_SECRET: 'another-refresh-secret-0123456789-xyz' });
      const signedElsewhere = new TokenService(new JwtService({}), tokenKeysFrom(other), other, new SystemClock()).signRefreshToken(
        refreshFields(),
      );
      expect(signedElsewhere).not.toBe(tokens.signRefreshToken(refreshFields()));
    });
  });

  describe('signAccessToken', () => {
    const user = { id: 42, role: Role.ADMIN };

    it('lives JWT_ACCESS_TTL when the session ends later; claims and header as documented', () => {
      const before = epochSeconds(new Date());
      const { token, expiresIn } = tokens.signAccessToken(user, sessionId, new Date(Date.now() + 30 * 86400 * 1000));
      const after = epochSeconds(new Date());
      expect(expiresIn).toBe(900);
      const { header, payload } = decode(token);
      expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'signing-key' });
      expect(payload).toEqual({
        sub: '42',
        sid: sessionId,
        role: 'ADMIN',
        amr: ['pwd'],
        iss: 'nest-jwt-auth',
        aud: 'nest-jwt-auth',
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(payload.iat as number).toBeGreaterThanOrEqual(before);
      expect(payload.iat as number).toBeLessThanOrEqual(after);
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
    });

    it('says amr ["pwd", "otp"] for a second-factor session (RFC 8176)', () => {
      const { token } = tokens.signAccessToken(user, sessionId, new Date(Date.now() + 86400_000), true);
      expect(decode(token).payload.amr).toEqual(['pwd', 'otp']);
    });

    it('is signed ES256 by the first key of JWT_ACCESS_KEYS: its public key verifies it, the other key and the refresh key do not', () => {
      const { token } = tokens.signAccessToken(user, sessionId, new Date(Date.now() + 86400_000));
      const publicKey = (kid: string) => keys.access.publicKeys.get(kid) as unknown as string;
      expect(jwt.verify(token, { publicKey: publicKey('signing-key'), algorithms: ['ES256'] })).toMatchObject({
        sub: '42',
        sid: sessionId,
      });
      expect(() => jwt.verify(token, { publicKey: publicKey('older-key'), algorithms: ['ES256'] })).toThrow();
      expect(() => jwt.verify(token, { secret: keys.refresh as unknown as string, algorithms: ['HS256'] })).toThrow();
    });

    it('signs with another key when another key comes first', () => {
      const [a, b] = (JSON.parse(SECRETS.JWT_ACCESS_KEYS) as { keys: object[] }).keys;
      const swapped = loadConfig({ ...SECRETS, JWT_ACCESS_KEYS: JSON.stringify({ keys: [b, a] }) });
      const service = new TokenService(new JwtService({}), tokenKeysFrom(swapped), swapped, new SystemClock());
      expect(decode(service.signAccessToken(user, sessionId, new Date(Date.now() + 86400_000)).token).header.kid).toBe('older-key');
    });

    it('never outlives the session: exp is capped by the session end, expiresIn shrinks with it', () => {
      const sessionEnd = new Date(Date.now() + 60_000);
      const { token, expiresIn } = tokens.signAccessToken(user, sessionId, sessionEnd);
      const { payload } = decode(token);
      expect(payload.exp).toBe(epochSeconds(sessionEnd));
      expect(expiresIn).toBe((payload.exp as number) - (payload.iat as number));
      expect(expiresIn).toBeGreaterThanOrEqual(59);
      expect(expiresIn).toBeLessThanOrEqual(60);
    });

    it('follows a configured JWT_ACCESS_TTL', () => {
      const short = loadConfig({ ...SECRETS, JWT_ACCESS_TTL: '2m' });
      const service = new TokenService(new JwtService({}), tokenKeysFrom(short), short, new SystemClock());
      const { token, expiresIn } = service.signAccessToken(user, sessionId, new Date(Date.now() + 86400_000));
      expect(expiresIn).toBe(120);
      const { payload } = decode(token);
      expect((payload.exp as number) - (payload.iat as number)).toBe(120);
    });

    it('gives every token its own jti', () => {
      const end = new Date(Date.now() + 86400_000);
      const a = decode(tokens.signAccessToken(user, sessionId, end).token).payload.jti;
      const b = decode(tokens.signAccessToken(user, sessionId, end).token).payload.jti;
      expect(a).not.toBe(b);
    });
  });

  describe('nextRefreshFields', () => {
    const now = new Date('2027-01-01T00:00:00.000Z');

    it('lasts JWT_REFRESH_TTL from now with a fresh token id', () => {
      const fields = tokens.nextRefreshFields(5, sessionId, new Date(now.getTime() + 30 * 86400_000), now);
      expect(fields).toEqual({
        userId: 5,
        sessionId,
        tokenId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        issuedAt: epochSeconds(now),
        expiresAt: epochSeconds(now) + 7 * 86400,
      });
      expect(tokens.nextRefreshFields(5, sessionId, new Date(now.getTime() + 30 * 86400_000), now).tokenId).not.toBe(fields.tokenId);
    });

    it('is capped by the session end', () => {
      const sessionEnd = new Date(now.getTime() + 3600_000);
      expect(tokens.nextRefreshFields(5, sessionId, sessionEnd, now).expiresAt).toBe(epochSeconds(sessionEnd));
    });
  });

  it('hashToken is SHA-256 hex, and differs per token', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken('abd')).not.toBe(hashToken('abc'));
  });
});
