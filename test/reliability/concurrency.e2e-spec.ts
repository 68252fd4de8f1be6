// Races on one account and one session, over real sockets: every request of a batch is on its own
// connection and they are all sent at once.
import { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt, PASSWORD, uniqueEmail } from '../support/api.js';
import { httpCall, keepAliveAgent } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PARALLEL = 50;

describe('concurrency: one account, one session, many requests at once', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** `count` requests, each on a connection of its own, opened first and then all sent in the same tick. */
  const all = async <T>(count: number, send: (agent: ReturnType<typeof keepAliveAgent>) => Promise<T>): Promise<T[]> => {
    const agent = keepAliveAgent(count);
    try {
      // Warm the connections so that the requests themselves leave together.
      await Promise.all(Array.from({ length: count }, () => httpCall(port, 'GET', '/health', { agent })));
      return await Promise.all(Array.from({ length: count }, () => send(agent)));
    } finally {
      agent.destroy();
    }
  };
  const sessionOf = (token: string) => t.prisma.session.findUniqueOrThrow({ where: { id: decodeJwt(token).payload.sid as string } });

  it(`${PARALLEL} parallel sign-ups of one email: exactly one 201, ${PARALLEL - 1} 409, one row`, async () => {
    const email = uniqueEmail('race');
    const responses = await all(PARALLEL, (agent) =>
      httpCall(port, 'POST', '/auth/signup', { agent, body: { email, password: PASSWORD } }),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array(PARALLEL - 1).fill(409)]);
    for (const conflict of responses.filter((response) => response.status === 409))
      expect(conflict.body).toMatchObject({ statusCode: 409 });
    expect(await t.prisma.user.count({ where: { email } })).toBe(1);
    // The winner's account is whole: it signs in, with one session from the sign-up and one from the sign-in.
    const created = responses.find((response) => response.status === 201)!;
    expect((await httpCall(port, 'POST', '/auth/signin', { body: { email, password: PASSWORD } })).status).toBe(200);
    expect(await t.prisma.session.count({ where: { userId: created.body.id } })).toBe(2);
  });

  it(`${PARALLEL} parallel refreshes of one token: one rotation, all 200 with one identical new refresh token`, async () => {
    const signup = await httpCall(port, 'POST', '/auth/signup', { body: { email: uniqueEmail('race'), password: PASSWORD } });
    expect(signup.status).toBe(201);
    const before = await sessionOf(signup.body.refreshToken);

    const responses = await all(PARALLEL, (agent) => httpCall(port, 'POST', '/auth/refresh', { agent, token: signup.body.refreshToken }));

    expect(responses.map((response) => response.status)).toEqual(Array(PARALLEL).fill(200));
    const tokens = new Set(responses.map((response) => response.body.refreshToken as string));
    expect(tokens.size).toBe(1);
    const [next] = tokens;
    expect(next).not.toBe(signup.body.refreshToken);
    const after = await sessionOf(signup.body.refreshToken);
    expect(after.generation).toBe(before.generation + 1);
    expect(after.revokedAt).toBeNull();
    // The session goes on: the new token rotates in turn, and the access tokens work.
    expect((await httpCall(port, 'GET', '/users/me', { token: responses[PARALLEL - 1].body.accessToken })).status).toBe(200);
    expect((await httpCall(port, 'POST', '/auth/refresh', { token: next })).status).toBe(200);
    expect((await sessionOf(next)).generation).toBe(before.generation + 2);
  });

  it('sign-out and refresh of one session at once: it ends revoked, and no token of it works any more', async () => {
    const email = uniqueEmail('race');
    expect((await httpCall(port, 'POST', '/auth/signup', { body: { email, password: PASSWORD } })).status).toBe(201);
    const outcomes = { refreshFirst: 0, signOutFirst: 0 };
    // Twenty rounds, one session each, so that the two requests meet in either order.
    for (let round = 0; round < 20; round++) {
      const signin = await httpCall(port, 'POST', '/auth/signin', { body: { email, password: PASSWORD } });
      expect(signin.status).toBe(200);
      const { accessToken, refreshToken } = signin.body as { accessToken: string; refreshToken: string };

      const agent = keepAliveAgent(2);
      await Promise.all([httpCall(port, 'GET', '/health', { agent }), httpCall(port, 'GET', '/health', { agent })]);
      // The refresh leaves 0 to 9 ms after the sign-out: sent together, the refresh (one UPDATE) wins.
      const [signout, refresh] = await Promise.all([
        httpCall(port, 'POST', '/auth/signout', { agent, token: accessToken }),
        sleep(round % 10).then(() => httpCall(port, 'POST', '/auth/refresh', { agent, token: refreshToken })),
      ]);
      agent.destroy();

      expect(signout.status).toBe(204);
      expect([200, 401]).toContain(refresh.status);
      outcomes[refresh.status === 200 ? 'refreshFirst' : 'signOutFirst']++;
      const session = await sessionOf(refreshToken);
      expect(session.revokedAt).not.toBeNull();
      expect((await httpCall(port, 'POST', '/auth/refresh', { token: refreshToken })).status).toBe(401);
      expect((await httpCall(port, 'GET', '/users/me', { token: accessToken })).status).toBe(401);
      if (refresh.status === 200) {
        // The pair the refresh handed out died with the session.
        expect((await httpCall(port, 'POST', '/auth/refresh', { token: refresh.body.refreshToken })).status).toBe(401);
        expect((await httpCall(port, 'GET', '/users/me', { token: refresh.body.accessToken })).status).toBe(401);
      }
      expect((await sessionOf(refreshToken)).revokedAt).not.toBeNull();
    }
    console.log(`sign-out vs refresh: the refresh came first ${outcomes.refreshFirst} times, the sign-out ${outcomes.signOutFirst} times`);
  });
});
