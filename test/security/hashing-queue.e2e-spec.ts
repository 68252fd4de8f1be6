import request from 'supertest';
import { signUp, uniqueEmail, PASSWORD } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { snapshot, retryAfterSeconds } from './helpers.js';

const FLOOD = 400;

describe('a flood of sign-ins meets a bounded hashing queue', () => {
  const t = useTestApp();

  it(`${FLOOD} parallel sign-ins: those past the queue get 503 + Retry-After, the rest their 401; nothing is written; then sign-in works`, async () => {
    const user = await signUp(t.http);
    const before = await snapshot(t);
    const responses = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) =>
        request(t.http)
          .post('/auth/signin')
          .send({ email: uniqueEmail(`flood${i}`), password: 'wrong-password-1' }),
      ),
    );
    const byStatus = responses.reduce<Record<number, number>>(
      (counts, response) => ({ ...counts, [response.status]: (counts[response.status] ?? 0) + 1 }),
      {},
    );
    expect(Object.keys(byStatus).sort()).toEqual(['401', '503']);
    expect(byStatus[503]).toBeGreaterThan(0);
    for (const response of responses.filter((r) => r.status === 503)) {
      expect(response.body).toEqual({
        statusCode: 503,
        message: 'too many sign-ins at once, try again shortly',
        error: 'Service Unavailable',
      });
      expect(retryAfterSeconds(response)).toBeGreaterThan(0);
    }
    expect(await snapshot(t)).toEqual(before);
    expect((await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD })).status).toBe(200);
  });
});
