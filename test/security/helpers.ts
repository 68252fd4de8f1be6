import request from 'supertest';
import { ADMIN_PASSWORD, PASSWORD } from '../support/api.js';
import { type TestApp } from '../support/test-app.js';

/**
 * Every row of both tables, with every column that a write could touch: two equal snapshots mean
 * that nothing was written (no user, no session, no role or password or token change, no revocation).
 */
export async function snapshot(t: TestApp) {
  const users = await t.prisma.user.findMany({ orderBy: { id: 'asc' } });
  const sessions = await t.prisma.session.findMany({ orderBy: { id: 'asc' } });
  return { userCount: users.length, sessionCount: sessions.length, users, sessions };
}

/** Runs a request and asserts that the users and sessions tables are exactly as they were. */
export async function expectNothingWritten<T>(t: TestApp, act: () => Promise<T>): Promise<T> {
  const before = await snapshot(t);
  const result = await act();
  const after = await snapshot(t);
  expect(after.userCount).toBe(before.userCount);
  expect(after.sessionCount).toBe(before.sessionCount);
  expect(after).toEqual(before);
  return result;
}

/** A raw JSON (or other) body, sent exactly as given. */
export function rawPost(t: TestApp, path: string, body: string, contentType = 'application/json') {
  return request(t.http).post(path).set('Content-Type', contentType).send(body);
}

/** Integer seconds as HTTP's delta-seconds: digits only. */
export function retryAfterSeconds(response: request.Response): number {
  const value = response.headers['retry-after'];
  expect(value).toMatch(/^\d+$/);
  return Number(value);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Times `rounds` requests for each of two emails through `send`, alternating which goes first so that neither
 * always follows the other. Returns each email's median in ms, their ratio (the larger over the smaller), and the
 * distinct bodies and Content-Length values of all the answers.
 */
export async function timeAlternately(rounds: number, emails: [string, string], send: (email: string) => Promise<request.Response>) {
  const times: [number[], number[]] = [[], []];
  const bodies = new Set<string>();
  const lengths = new Set<string>();
  for (let i = 0; i < rounds; i++) {
    for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const started = process.hrtime.bigint();
      const response = await send(emails[which]);
      times[which].push(Number(process.hrtime.bigint() - started) / 1e6);
      bodies.add(response.text);
      lengths.add(String(response.headers['content-length']));
    }
  }
  const medians = times.map(median);
  return { medians, ratio: Math.max(...medians) / Math.min(...medians), bodies: [...bodies], contentLengths: [...lengths] };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A line of a JavaScript stack trace ("    at fn (/path/file.js:10:5)"). */
const STACK_FRAME = /(^|\n)\s*at\s|\bat .*:\d+:\d+|\.(?:[cm]?js|ts):\d+/;

/** What every response must look like, whatever was sent (API.md, first section). */
export function expectCleanResponse(response: request.Response): void {
  expect(response.status).not.toBe(500);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['x-powered-by']).toBeUndefined();
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
  const text = response.text ?? '';
  expect(text).not.toMatch(/stack/i);
  expect(text).not.toMatch(STACK_FRAME);
  expect(text).not.toMatch(/select/i);
  expect(text).not.toMatch(/prisma/i);
  expect(text).not.toMatch(/\$argon2/);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(ADMIN_PASSWORD);
  if (response.status >= 400) {
    expect(response.body.statusCode).toBe(response.status);
    expect(typeof response.body.message === 'string' || Array.isArray(response.body.message)).toBe(true);
  }
}

/** A body that nests `depth` levels deep, well within 16 KiB. */
export const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
