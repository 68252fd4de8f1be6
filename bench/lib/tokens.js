// Fresh refresh tokens for POST /auth/refresh, minted as the service mints them and stored as the
// service stores them: one new session per token, so that every benchmarked refresh rotates.
//
// Signing in through the API for each of them would cost one argon2id verify apiece (about 100/s on
// this machine) while a refresh run needs tens of thousands. So the benchmark signs them itself, exactly
// as TokenService.signRefreshToken does (jsonwebtoken, HS256, the refresh KeyObject, header
// { alg, typ: 'rt+jwt' }, claims sub, sid, iss, aud, iat, exp, jti in that order), and inserts the
// session rows that AuthService.openSession would insert (the token's SHA-256 hex as token_hash).
// Every run starts with a check that the service accepts such a token (bench/run.js).
import { createHash, createSecretKey, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';

const BATCH = 5000;

export class RefreshTokenMinter {
  /**
   * @param {{ databaseUrl: string, refreshSecret: string, issuer: string, audience: string, type: string,
   *   refreshTtl: number, sessionMaxAge: number, userIds: number[] }} options
   */
  constructor(options) {
    this.options = options;
    this.key = createSecretKey(Buffer.from(options.refreshSecret, 'utf8'));
    this.pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
    this.next = 0;
  }

  sign(fields) {
    const { issuer, audience, type } = this.options;
    const payload = {
      sub: String(fields.userId),
      sid: fields.sessionId,
      iss: issuer,
      aud: audience,
      iat: fields.iat,
      exp: fields.exp,
      jti: fields.jti,
    };
    return jwt.sign(payload, this.key, { algorithm: 'HS256', header: { alg: 'HS256', typ: type } });
  }

  /** `count` never-used refresh tokens, each of its own live session, spread over the users. */
  async mint(count) {
    const { userIds, refreshTtl, sessionMaxAge } = this.options;
    const tokens = [];
    for (let start = 0; start < count; start += BATCH) {
      const n = Math.min(BATCH, count - start);
      const now = Math.floor(Date.now() / 1000);
      const sessionEnd = now + sessionMaxAge;
      const exp = Math.min(now + refreshTtl, sessionEnd);
      const ids = [];
      const users = [];
      const hashes = [];
      const jtis = [];
      for (let i = 0; i < n; i++) {
        const userId = userIds[this.next++ % userIds.length];
        const sessionId = randomUUID();
        const jti = randomUUID();
        const token = this.sign({ userId, sessionId, iat: now, exp, jti });
        tokens.push(token);
        ids.push(sessionId);
        users.push(userId);
        hashes.push(createHash('sha256').update(token).digest('hex'));
        jtis.push(jti);
      }
      await this.pool.query(
        `INSERT INTO sessions (id, user_id, token_hash, token_id, rotated_at, refresh_expires_at, expires_at, user_agent, ip)
         SELECT id, user_id, token_hash, token_id, $5, $6, $7, 'bench (minted)', '127.0.0.1'
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::uuid[]) AS t(id, user_id, token_hash, token_id)`,
        [ids, users, hashes, jtis, new Date(now * 1000), new Date(exp * 1000), new Date(sessionEnd * 1000)],
      );
    }
    return tokens;
  }

  async close() {
    await this.pool.end();
  }
}
