import request from 'supertest';
import { signUp, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { median } from './helpers.js';

const ATTEMPTS = 15;
const WRONG = 'wrong-password-timing-1';

describe('sign-in timing: an unknown email vs. a known email with a wrong password', () => {
  // Generous lockout: 30+ failures from one client must all reach the password check.
  const t = useTestApp({ SIGNIN_MAX_FAILURES: '1000' });

  it(`medians of ${ATTEMPTS} alternating attempts each are within a factor of 2, and the bodies are byte-identical`, async () => {
    const known = await signUp(t.http);
    const unknownEmail = uniqueEmail('nobody');
    const attempt = async (email: string) => {
      const started = process.hrtime.bigint();
      const response = await request(t.http).post('/auth/signin').send({ email, password: WRONG });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(response.status).toBe(401);
      return { ms, response };
    };

    // Warm-up (JIT, connection pool, argon2's thread pool), not measured.
    await attempt(unknownEmail);
    await attempt(known.email);

    const unknown: number[] = [];
    const wrongPassword: number[] = [];
    const bodies = new Set<string>();
    const lengths = new Set<string>();
    for (let i = 0; i < ATTEMPTS; i++) {
      // Alternate which goes first, so that neither always follows the other.
      const order = i % 2 === 0 ? [unknownEmail, known.email] : [known.email, unknownEmail];
      for (const email of order) {
        const { ms, response } = await attempt(email);
        (email === unknownEmail ? unknown : wrongPassword).push(ms);
        bodies.add(response.text);
        lengths.add(String(response.headers['content-length']));
      }
    }

    const unknownMedian = median(unknown);
    const wrongPasswordMedian = median(wrongPassword);
    const ratio = Math.max(unknownMedian, wrongPasswordMedian) / Math.min(unknownMedian, wrongPasswordMedian);
    console.log(
      `sign-in timing over ${ATTEMPTS} attempts each: unknown email median ${unknownMedian.toFixed(1)} ms, ` +
        `known email + wrong password median ${wrongPasswordMedian.toFixed(1)} ms, ratio ${ratio.toFixed(2)}`,
    );

    expect(ratio).toBeLessThan(2);
    // One body, byte for byte, for all 30 answers of both kinds.
    expect([...bodies]).toEqual(['{"message":"invalid email or password","error":"Unauthorized","statusCode":401}']);
    expect(lengths.size).toBe(1);
  });
});
