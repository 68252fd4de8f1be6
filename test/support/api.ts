import request from 'supertest';
import { type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

export const PASSWORD = 'correct-horse-42';

/** The bootstrap admin of the tests that need one: `startTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD })`. */
export const ADMIN_EMAIL = 'root-admin@example.com';
export const ADMIN_PASSWORD = 'root-admin-passphrase-42';

export interface Session {
  id: number;
  email: string;
  role: string;
  accessToken: string;
  refreshToken: string;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** What a sign-up or sign-in answers: the user's public fields and a token pair (access token for 900 s). */
export const signedInBody = (user: { id: unknown; email: string; role: string }) => ({
  ...user,
  accessToken: expect.any(String),
  refreshToken: expect.any(String),
  tokenType: 'Bearer',
  expiresIn: 900,
});

/** Signs up a new user and returns the 201 body (asserting the status). */
export async function signUp(http: Server, email = uniqueEmail(), password = PASSWORD): Promise<Session> {
  const response = await request(http).post('/auth/signup').send({ email, password });
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Session;
}

export async function signIn(http: Server, email: string, password = PASSWORD): Promise<Session> {
  const response = await request(http).post('/auth/signin').send({ email, password });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Session;
}

/** Decodes a JWT's header and payload without verifying it. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, payload };
}
