// The reference of the benchmark: the same essential work per endpoint as the service, with the same
// libraries (jsonwebtoken with KeyObject keys: ES256 access tokens, HS256 refresh tokens; pg, argon2) and no framework, on plain node:http.
// It is what this machine can do for that work; the service's numbers are read against it.
//
// It implements the happy path of each benchmarked endpoint only (no grace window, no reuse
// detection, no lockout, no rate limits, no validation beyond what the work needs), and answers 401
// or 400 otherwise. It is never a second implementation of the API.
//
// Configuration (environment, set by bench/run.js):
//   PORT, DATABASE_URL, POOL_SIZE, JWT_ACCESS_KEYS (the JWK set as JSON), JWT_REFRESH_SECRET, JWT_ISSUER, JWT_AUDIENCE,
//   ACCESS_TTL_S, REFRESH_TTL_S, SESSION_MAX_AGE_S, DATABASE_TIMEOUT_MS, REFERENCE_WORKERS (default 1: one process)
import cluster from 'node:cluster';
import { createHash, createPrivateKey, createPublicKey, createSecretKey, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import argon2 from 'argon2';
import jwt from 'jsonwebtoken';
import pg from 'pg';

const env = process.env;
const required = (name) => {
  const value = env[name];
  if (!value) throw new Error(`reference: ${name} is required`);
  return value;
};

const PORT = Number(required('PORT'));
const WORKERS = Math.max(1, Number(env.REFERENCE_WORKERS ?? 1));
const ACCESS_ALGORITHM = 'ES256';
const REFRESH_ALGORITHM = 'HS256';
const ISSUER = env.JWT_ISSUER ?? 'nest-jwt-auth';
const AUDIENCE = env.JWT_AUDIENCE ?? 'nest-jwt-auth';
const ACCESS_TYPE = env.JWT_ACCESS_TYPE ?? 'at+jwt';
const REFRESH_TYPE = env.JWT_REFRESH_TYPE ?? 'rt+jwt';
const ACCESS_TTL = Number(env.ACCESS_TTL_S ?? 900);
const REFRESH_TTL = Number(env.REFRESH_TTL_S ?? 604_800);
const SESSION_MAX_AGE = Number(env.SESSION_MAX_AGE_S ?? 2_592_000);
// Keys as KeyObjects, as the service holds them (a string key costs jsonwebtoken a PEM parse per call).
/** The kid of a token's header, as the service's access strategy reads it. */
function kidOf(token) {
  try {
    const kid = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'))?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

// As the service: the first key of the set signs, every key verifies (picked by the token's kid).
const ACCESS_KEYS = JSON.parse(required('JWT_ACCESS_KEYS')).keys.map((jwk) => ({
  kid: jwk.kid,
  privateKey: createPrivateKey({ key: jwk, format: 'jwk' }),
}));
const ACCESS_SIGNING = ACCESS_KEYS[0];
const ACCESS_PUBLIC_KEYS = new Map(ACCESS_KEYS.map(({ kid, privateKey }) => [kid, createPublicKey(privateKey)]));
const REFRESH_KEY = createSecretKey(Buffer.from(required('JWT_REFRESH_SECRET'), 'utf8'));
const ACCESS = {
  keyFor: (token) => ACCESS_PUBLIC_KEYS.get(kidOf(token)),
  options: { algorithms: [ACCESS_ALGORITHM], issuer: ISSUER, audience: AUDIENCE, complete: true },
};
const REFRESH = {
  keyFor: () => REFRESH_KEY,
  options: { algorithms: [REFRESH_ALGORITHM], issuer: ISSUER, audience: AUDIENCE, complete: true },
};
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USER_ID = /^[1-9]\d{0,9}$/;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const BODY_LIMIT = 16 * 1024;

if (cluster.isPrimary && WORKERS > 1) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  serve();
}

function serve() {
  const pool = new pg.Pool({
    connectionString: required('DATABASE_URL'),
    max: Number(env.POOL_SIZE ?? 10),
    connectionTimeoutMillis: Number(env.DATABASE_TIMEOUT_MS ?? 5000),
    statement_timeout: Number(env.DATABASE_TIMEOUT_MS ?? 5000),
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => {});

  const epochSeconds = () => Math.floor(Date.now() / 1000);
  const hashToken = (token) => createHash('sha256').update(token).digest('hex');

  /** The subject and session of a verified token of the expected type, as the service's strategies check it. */
  function verify(request, { keyFor, options }, type) {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) return null;
    let decoded;
    try {
      const key = keyFor(match[1]);
      if (!key) return null;
      decoded = jwt.verify(match[1], key, options);
    } catch {
      return null;
    }
    const { sub, sid, role } = decoded.payload;
    if (decoded.header.typ !== type) return null;
    if (typeof sub !== 'string' || !USER_ID.test(sub) || typeof sid !== 'string' || !SESSION_ID.test(sid)) return null;
    return { userId: Number(sub), sessionId: sid, role, token: match[1] };
  }

  /** Same payload, claim order and header as the service's TokenService. */
  function signAccess(userId, role, sessionId, sessionEndSeconds) {
    const iat = epochSeconds();
    const exp = Math.min(iat + ACCESS_TTL, sessionEndSeconds);
    const payload = { sub: String(userId), sid: sessionId, role, iss: ISSUER, aud: AUDIENCE, iat, exp, jti: randomUUID() };
    const header = { alg: ACCESS_ALGORITHM, typ: ACCESS_TYPE, kid: ACCESS_SIGNING.kid };
    const token = jwt.sign(payload, ACCESS_SIGNING.privateKey, { algorithm: ACCESS_ALGORITHM, header });
    return { token, expiresIn: exp - iat };
  }

  function signRefresh(fields) {
    const payload = {
      sub: String(fields.userId),
      sid: fields.sessionId,
      iss: ISSUER,
      aud: AUDIENCE,
      iat: fields.iat,
      exp: fields.exp,
      jti: fields.jti,
    };
    return jwt.sign(payload, REFRESH_KEY, { algorithm: REFRESH_ALGORITHM, header: { alg: REFRESH_ALGORITHM, typ: REFRESH_TYPE } });
  }

  function pair(userId, role, sessionId, sessionEndSeconds, refreshToken) {
    const access = signAccess(userId, role, sessionId, sessionEndSeconds);
    return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  const publicUser = (row) => ({
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  });

  // GET /users/me: verify, then one read of the live session joined with its user.
  async function me(request) {
    const claims = verify(request, ACCESS, ACCESS_TYPE);
    if (!claims) return [401, { statusCode: 401, message: 'invalid or missing access token' }];
    const { rows } = await pool.query(
      'SELECT u.id, u.email, u.role, u.created_at, u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()',
      [claims.sessionId],
    );
    if (rows.length === 0 || rows[0].id !== claims.userId) return [401, { statusCode: 401, message: 'invalid or missing access token' }];
    return [200, publicUser(rows[0])];
  }

  // POST /auth/refresh: verify, sign the next refresh token, one conditional UPDATE that rotates the
  // session only if it still holds the presented token (and lives past the new token), sign an access token.
  async function refresh(request) {
    const claims = verify(request, REFRESH, REFRESH_TYPE);
    if (!claims) return [401, { statusCode: 401, message: 'invalid refresh token' }];
    const presented = hashToken(claims.token);
    const iat = epochSeconds();
    const fields = { userId: claims.userId, sessionId: claims.sessionId, iat, exp: iat + REFRESH_TTL, jti: randomUUID() };
    let refreshToken = signRefresh(fields);
    let { rows } = await pool.query(
      `UPDATE sessions AS s
          SET token_hash = $4, previous_token_hash = s.token_hash, token_id = $5, generation = s.generation + 1,
              rotated_at = $6, refresh_expires_at = $7, last_used_at = now()
         FROM users AS u
        WHERE s.id = $1 AND s.user_id = $2 AND s.token_hash = $3 AND s.revoked_at IS NULL AND s.expires_at >= $7 AND u.id = s.user_id
      RETURNING u.role, s.expires_at`,
      [claims.sessionId, claims.userId, presented, hashToken(refreshToken), fields.jti, new Date(iat * 1000), new Date(fields.exp * 1000)],
    );
    if (rows.length === 0) {
      // Not in the benchmark (its sessions live 30 days): the session ends before the new token would,
      // so its expiry is capped by the session's end. A stale or unknown token is a plain 401 here.
      const found = await pool.query(
        'SELECT s.expires_at FROM sessions s WHERE s.id = $1 AND s.user_id = $2 AND s.token_hash = $3 AND s.revoked_at IS NULL AND s.expires_at > now()',
        [claims.sessionId, claims.userId, presented],
      );
      if (found.rows.length === 0) return [401, { statusCode: 401, message: 'invalid refresh token' }];
      fields.exp = Math.min(fields.exp, Math.floor(found.rows[0].expires_at.getTime() / 1000));
      refreshToken = signRefresh(fields);
      ({ rows } = await pool.query(
        `UPDATE sessions AS s
            SET token_hash = $4, previous_token_hash = s.token_hash, token_id = $5, generation = s.generation + 1,
                rotated_at = $6, refresh_expires_at = $7, last_used_at = now()
           FROM users AS u
          WHERE s.id = $1 AND s.user_id = $2 AND s.token_hash = $3 AND s.revoked_at IS NULL AND u.id = s.user_id
        RETURNING u.role, s.expires_at`,
        [
          claims.sessionId,
          claims.userId,
          presented,
          hashToken(refreshToken),
          fields.jti,
          new Date(iat * 1000),
          new Date(fields.exp * 1000),
        ],
      ));
      if (rows.length === 0) return [401, { statusCode: 401, message: 'invalid refresh token' }];
    }
    const sessionEnd = Math.floor(rows[0].expires_at.getTime() / 1000);
    return [200, pair(claims.userId, rows[0].role, claims.sessionId, sessionEnd, refreshToken)];
  }

  // POST /auth/signin: one read of the user by email, one argon2id verify, one INSERT of the session, sign a pair.
  async function signin(request, body) {
    let credentials;
    try {
      credentials = JSON.parse(body);
    } catch {
      return [400, { statusCode: 400, message: 'malformed JSON' }];
    }
    const { email, password } = credentials ?? {};
    if (typeof email !== 'string' || typeof password !== 'string' || password.length > 128) {
      return [400, { statusCode: 400, message: 'email and password are required' }];
    }
    const { rows } = await pool.query('SELECT id, email, role, password_hash FROM users WHERE email = $1', [email.trim().toLowerCase()]);
    const user = rows[0];
    let matches;
    try {
      matches = user ? await argon2.verify(user.password_hash, password.normalize('NFKC')) : false;
    } catch {
      matches = false;
    }
    if (!matches) return [401, { statusCode: 401, message: 'invalid email or password' }];
    const now = epochSeconds();
    const sessionId = randomUUID();
    const sessionEnd = now + SESSION_MAX_AGE;
    const fields = { userId: user.id, sessionId, iat: now, exp: Math.min(now + REFRESH_TTL, sessionEnd), jti: randomUUID() };
    const refreshToken = signRefresh(fields);
    await pool.query(
      `INSERT INTO sessions (id, user_id, token_hash, token_id, rotated_at, refresh_expires_at, expires_at, user_agent, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        sessionId,
        user.id,
        hashToken(refreshToken),
        fields.jti,
        new Date(now * 1000),
        new Date(fields.exp * 1000),
        new Date(sessionEnd * 1000),
        request.headers['user-agent']?.slice(0, 512) ?? null,
        request.socket.remoteAddress ?? null,
      ],
    );
    return [200, { id: user.id, email: user.email, role: user.role, ...pair(user.id, user.role, sessionId, sessionEnd, refreshToken) }];
  }

  // GET /users?skip&take: verify (an ADMIN's token), one page of users, one count.
  async function listUsers(request, query) {
    const claims = verify(request, ACCESS, ACCESS_TYPE);
    if (!claims) return [401, { statusCode: 401, message: 'invalid or missing access token' }];
    if (claims.role !== 'ADMIN') return [403, { statusCode: 403, message: 'forbidden' }];
    const skip = Number(query.get('skip') ?? 0);
    const take = Number(query.get('take') ?? 50);
    if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(take) || take < 0 || take > 100) {
      return [400, { statusCode: 400, message: 'bad skip or take' }];
    }
    const [page, count] = await Promise.all([
      pool.query('SELECT id, email, role, created_at, updated_at FROM users ORDER BY id OFFSET $1 LIMIT $2', [skip, take]),
      pool.query('SELECT count(*)::int AS total FROM users'),
    ]);
    return [200, page.rows.map(publicUser), { 'X-Total-Count': String(count.rows[0].total) }];
  }

  function send(response, status, body, headers = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    response.end(text);
  }

  function readBody(request) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      request.on('data', (chunk) => {
        size += chunk.length;
        if (size > BODY_LIMIT) reject(Object.assign(new Error('body too large'), { status: 413 }));
        else chunks.push(chunk);
      });
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });
  }

  const server = createServer(async (request, response) => {
    try {
      const [path, search = ''] = (request.url ?? '/').split('?', 2);
      const route = `${request.method} ${path}`;
      let result;
      if (route === 'GET /users/me') result = await me(request);
      else if (route === 'POST /auth/refresh') result = await refresh(request);
      else if (route === 'POST /auth/signin') result = await signin(request, await readBody(request));
      else if (route === 'GET /users') result = await listUsers(request, new URLSearchParams(search));
      else if (route === 'GET /health') result = [200, { status: 'ok' }];
      else result = [404, { statusCode: 404, message: 'not found' }];
      send(response, ...result);
    } catch (error) {
      const status = error?.status ?? 500;
      send(response, status, { statusCode: status, message: status === 500 ? 'internal error' : error.message });
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen(PORT, '127.0.0.1', () => {
    process.stdout.write(`reference listening on http://127.0.0.1:${PORT} (pid ${process.pid}, pool ${pool.options.max})\n`);
  });

  const shutdown = () => {
    server.close();
    server.closeAllConnections?.();
    pool.end().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
