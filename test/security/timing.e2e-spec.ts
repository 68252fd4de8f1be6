import request from 'supertest';
import { signUp, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { timeAlternately } from './helpers.js';

const ATTEMPTS = 15;
const WRONG = 'wrong-password-timing-1';

describe('sign-in timing: an unknown email vs. a known email with a wrong password', () => {
  // Generous lockout: 30+ failures from one client must all reach the password check.
  const t = useTestApp({ SIGNIN_MAX_FAILURES: '1000' });

  it(`medians of ${ATTEMPTS} alternating attempts each are within a factor of 2, and the bodies are byte-identical`, async () => {
    const known = await signUp(t.http);
    const unknownEmail = uniqueEmail('nobody');
    const attempt = async (email: string) => {
      const response = await request(t.http).post('/auth/signin').send({ email, password: WRONG });
      expect(response.status).toBe(401);
      return response;
    };

    // Warm-up (JIT, connection pool, argon2's thread pool), not measured.
    await attempt(unknownEmail);
    await attempt(known.email);

    const timing = await timeAlternately(ATTEMPTS, [unknownEmail, known.email], attempt);
    const [unknownMedian, wrongPasswordMedian] = timing.medians;
    console.log(
      `sign-in timing over ${ATTEMPTS} attempts each: unknown email median ${unknownMedian.toFixed(1)} ms, ` +
        `known email + wrong password median ${wrongPasswordMedian.toFixed(1)} ms, ratio ${timing.ratio.toFixed(2)}`,
    );

    expect(timing.ratio).toBeLessThan(2);
    // One body, byte for byte, for all 30 answers of both kinds.
    expect(timing.bodies).toEqual(['{"message":"invalid email or password","error":"Unauthorized","statusCode":401}']);
    expect(timing.contentLengths).toHaveLength(1);
  });
});
