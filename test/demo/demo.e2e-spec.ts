import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import request from 'supertest';
import { DEMO_CSP } from '../../src/demo/demo.controller.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, decodeJwt, PASSWORD, signIn, uniqueEmail } from '../support/api.js';
import { awayFromStepBoundary, codeAt } from '../mfa/mfa-helpers.js';
import { chromePath, describeWhen } from '../support/requirements.js';
import { TestSmtpServer } from '../support/smtp-server.js';
import { startTestApp, useTestApp, type TestApp } from '../support/test-app.js';

/** CHROME_PATH, a Chromium or Chrome on PATH, or Playwright's own; playwright-core downloads no browser. */
const CHROMIUM = chromePath();
const describeWithChromium = describeWhen(
  CHROMIUM !== undefined,
  'the demo page in headless Chromium',
  'install Chromium or set CHROME_PATH',
);
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Short enough that the page's proactive refresh (a fifth of the lifetime before expiry: at 4 s) happens here. */
const ACCESS_TTL_SECONDS = 5;
const REFRESH_TOKEN_KEY = 'nest-jwt-auth.demo.refreshToken';
/** Per step (given here: Jest's timeout is a global option); the waits below are 10 s at most. */
const STEP_TIMEOUT_MS = 30_000;
const SCREENSHOT = fileURLToPath(new URL('../output/demo.png', import.meta.url));
/**
 * The browser globals used by the functions evaluated in the page (the type check has no DOM library). Those
 * functions are sent as source text, so they name `globalThis` themselves: the casts vanish at compile time.
 */
interface PageGlobals {
  sessionStorage: object & { getItem(key: string): string | null };
  localStorage: object;
  document: {
    cookie: string;
    addEventListener(type: 'securitypolicyviolation', listener: (event: { violatedDirective: string; blockedURI: string }) => void): void;
  };
  reportCspViolation(text: string): void;
}

/** A free loopback port, known before the app starts (its APP_URL, the links in emails, names it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The link in a mail's text: `<APP_URL>#<kind>=<token>`. */
function linkIn(text: string, kind: 'verify' | 'reset'): string {
  const link = new RegExp(`\\S+#${kind}=[A-Za-z0-9_-]+`).exec(text)?.[0];
  if (!link) throw new Error(`no #${kind}= link in: ${text}`);
  return link;
}

/** What Chromium logs for a fetch answered with an error status (not a page error: the page handles it). */
const failedLoad = (status: number, reason: string) =>
  `Failed to load resource: the server responded with a status of ${status} (${reason})`;

describe('demo page over HTTP', () => {
  const t = useTestApp();

  it(
    "serves the page, its script and its styles with the page's own CSP and no-store; other routes keep the strict CSP",
    async () => {
      const html = await request(t.http).get('/demo').expect(200);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.headers['content-security-policy']).toBe(DEMO_CSP);
      expect(html.headers['cache-control']).toBe('no-store');
      expect(html.headers['x-content-type-options']).toBe('nosniff');
      expect(html.text).toContain('<script src="/demo/app.js" defer></script>');
      expect(html.text).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=/i);

      const script = await request(t.http).get('/demo/app.js').expect(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.headers['cache-control']).toBe('no-store');
      expect(script.text).toContain('/auth/refresh');
      const styles = await request(t.http).get('/demo/app.css').expect(200);
      expect(styles.headers['content-type']).toBe('text/css; charset=utf-8');
      for (const path of ['/demo/mfa.js', '/demo/qrcode.js']) {
        const served = await request(t.http).get(path).expect(200);
        expect(served.headers['content-type']).toBe('text/javascript; charset=utf-8');
        expect(served.headers['content-security-policy']).toBe(DEMO_CSP);
        expect(html.text).toContain(`<script src="${path}" defer></script>`);
      }

      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ]) {
        expect(DEMO_CSP.split('; ')).toContain(directive);
      }
      expect(DEMO_CSP).not.toContain('unsafe-eval');
      const health = await request(t.http).get('/health');
      expect(health.headers['content-security-policy']).toContain("default-src 'none'");
      expect(health.headers['content-security-policy']).not.toBe(DEMO_CSP);
    },
    STEP_TIMEOUT_MS,
  );
});

describeWithChromium('demo client at /demo, in headless Chromium', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let base: string;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  /** Console errors and warnings, page errors and CSP violations since the last check. */
  let problems: string[] = [];
  let refreshRequests = 0;
  const userEmail = uniqueEmail('demo');

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      JWT_ACCESS_TTL: `${ACCESS_TTL_SECONDS}s`,
      SMTP_URL: smtp.url,
      APP_URL: `${base}/demo`,
    });
    await t.app.listen({ port, host: '127.0.0.1' });

    profileDir = mkdtempSync(join(tmpdir(), 'demo-chromium-'));
    try {
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 20_000,
      });
    } catch (error) {
      throw new Error(`Chromium (${CHROMIUM}) could not start: ${(error as Error).message}`, { cause: error });
    }
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Reported from the page itself too, so that a violation cannot hide behind a console wording change.
    await page.exposeFunction('reportCspViolation', (text: string) => problems.push(`CSP violation: ${text}`));
    await page.addInitScript(() => {
      const page = globalThis as unknown as PageGlobals;
      page.document.addEventListener('securitypolicyviolation', (event) => {
        page.reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    page.on('request', (sent: Request) => {
      if (sent.method() === 'POST' && new URL(sent.url()).pathname === '/auth/refresh') refreshRequests += 1;
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await t?.close();
    await smtp?.stop();
  }, 30_000);

  /** Asserts that exactly these problems (in this order) happened since the last check, and forgets them. */
  const expectProblems = (expected: string[] = []) => {
    const seen = problems;
    problems = [];
    expect(seen).toEqual(expected.map((text) => `console error: ${text}`));
  };

  const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const textOf = async (id: string) => ((await byTestId(id).textContent()) ?? '').trim();
  const waitForText = (id: string, text: string | RegExp) =>
    page.locator(`[data-testid="${id}"]`, { hasText: text }).waitFor({ state: 'visible', timeout: 10_000 });
  const storedRefreshToken = () =>
    page.evaluate((key) => (globalThis as unknown as PageGlobals).sessionStorage.getItem(key), REFRESH_TOKEN_KEY);
  const sessionsOf = (email: string) => t.prisma.session.findMany({ where: { user: { email } }, orderBy: { createdAt: 'asc' } });
  /** Resolves with the page's next response to `method path` (path without the query) with that status. */
  const responseTo = (method: string, path: string, status: number) =>
    page.waitForResponse(
      (response) => response.request().method() === method && new URL(response.url()).pathname === path && response.status() === status,
      { timeout: 10_000 },
    );
  /** The page's count of refreshes (since its last sign-in or reload) reaching `count`. */
  const waitForRefreshCount = (count: number) => waitForText('refresh-count', new RegExp(`^${count}$`));

  it(
    'loads without console errors or CSP violations, signed out',
    async () => {
      const response = await page.goto(`${base}/demo`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      await waitForText('status', 'Signed out');
      expect(await byTestId('auth-panel').isVisible()).toBe(true);
      expect(await byTestId('profile-panel').isVisible()).toBe(false);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "shows the API's message when sign-up is refused",
    async () => {
      const refused = await request(t.http).post('/auth/signup').send({ email: uniqueEmail(), password: 'password' }).expect(400);
      const message = refused.body.message as string | string[];
      const expected = Array.isArray(message) ? message.join('; ') : message;

      await byTestId('email').fill(userEmail);
      await byTestId('password').fill('password');
      await byTestId('signup').click();
      await waitForText('error', expected);
      expect(await textOf('error')).toBe(expected);
      expect(await storedRefreshToken()).toBeNull();
      expectProblems([failedLoad(400, 'Bad Request')]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'signs up through the form and shows GET /users/me; the refresh token is in sessionStorage only',
    async () => {
      await byTestId('password').fill(PASSWORD);
      await byTestId('signup').click();
      await waitForText('me-email', userEmail);
      expect(await textOf('me-role')).toBe('USER');
      expect(await textOf('status')).toBe(`Signed in as ${userEmail} (USER)`);
      expect(await byTestId('error').isVisible()).toBe(false);
      expect(await byTestId('admin-panel').isVisible()).toBe(false);
      const user = await t.prisma.user.findUniqueOrThrow({ where: { email: userEmail } });
      expect(await textOf('me-id')).toBe(String(user.id));

      const storage = await page.evaluate(() => {
        const { sessionStorage, localStorage, document } = globalThis as unknown as PageGlobals;
        return { session: Object.keys(sessionStorage), local: Object.keys(localStorage), cookies: document.cookie };
      });
      expect(storage).toEqual({ session: [REFRESH_TOKEN_KEY], local: [], cookies: '' });
      const refreshToken = await storedRefreshToken();
      expect(decodeJwt(refreshToken!).header.typ).toBe('rt+jwt');
      const [session] = await sessionsOf(userEmail);
      expect(session.generation).toBe(0);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "shows the user's recent events (GET /auth/events) as text",
    async () => {
      await waitForText('event-rows', 'signup');
      const rows = await byTestId('event-rows')
        .locator('tr')
        .evaluateAll((elements) =>
          elements.map((row) =>
            Array.from((row as unknown as { cells: ArrayLike<{ textContent: string }> }).cells, (cell) => cell.textContent),
          ),
        );
      expect(rows).toHaveLength(1);
      const userAgent = (
        await page.evaluate(() => (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent)
      ).slice(0, 512);
      expect(rows[0]).toEqual([expect.any(String), 'signup', '127.0.0.1', userAgent]);
      expect(await byTestId('event-rows').locator('tr td *').count()).toBe(0);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'refreshes the access token shortly before it expires (timer from expiresIn), rotating the refresh token',
    async () => {
      const before = await storedRefreshToken();
      await waitForRefreshCount(1);
      const [session] = await sessionsOf(userEmail);
      expect(session.generation).toBe(1);
      expect(session.revokedAt).toBeNull();
      expect(await storedRefreshToken()).not.toBe(before);
      // The new access token works: the profile loads again without any refresh.
      const refreshesBefore = refreshRequests;
      await Promise.all([responseTo('GET', '/users/me', 200), byTestId('reload').click()]);
      expect(refreshRequests).toBe(refreshesBefore);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'on a 401, refreshes once and retries the request',
    async () => {
      // A refresh now puts the next timed one 4 s away, out of this step's way.
      await Promise.all([responseTo('POST', '/auth/refresh', 200), byTestId('refresh-now').click()]);
      await waitForRefreshCount(2);
      const refreshesBefore = refreshRequests;
      let refused = 0;
      await page.route(
        '**/users/me',
        async (route) => {
          refused += 1;
          await route.fulfill({
            status: 401,
            contentType: 'application/json',
            body: JSON.stringify({ statusCode: 401, message: 'Unauthorized' }),
          });
        },
        { times: 1 },
      );
      await Promise.all([responseTo('GET', '/users/me', 200), byTestId('reload').click()]);
      await waitForText('refresh-count', /^3$/);
      expect(refused).toBe(1);
      expect(refreshRequests - refreshesBefore).toBe(1);
      expect(await textOf('me-email')).toBe(userEmail);
      expect(await byTestId('error').isVisible()).toBe(false);
      expectProblems([failedLoad(401, 'Unauthorized')]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'stays signed in across a reload of the tab, through the refresh token in sessionStorage',
    async () => {
      const [before] = await sessionsOf(userEmail);
      await page.reload({ waitUntil: 'load' });
      await waitForText('me-email', userEmail);
      expect(await textOf('refresh-count')).toBe('1');
      const [after] = await sessionsOf(userEmail);
      expect(after.id).toBe(before.id);
      expect(after.generation).toBe(before.generation + 1);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'signs out: the tab forgets its tokens and the server refuses the refresh token',
    async () => {
      const refreshToken = await storedRefreshToken();
      expect(refreshToken).toBeTruthy();
      await byTestId('signout').click();
      await waitForText('status', 'Signed out');
      expect(await byTestId('auth-panel').isVisible()).toBe(true);
      expect(await storedRefreshToken()).toBeNull();
      const sessions = await sessionsOf(userEmail);
      expect(sessions).toHaveLength(1);
      expect(sessions[0].revokedAt).not.toBeNull();
      await request(t.http).post('/auth/refresh').set(bearer(refreshToken!)).expect(401);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'signs in as the admin and shows the user list with its total (X-Total-Count)',
    async () => {
      await byTestId('email').fill(ADMIN_EMAIL);
      await byTestId('password').fill(ADMIN_PASSWORD);
      await byTestId('signin').click();
      await waitForText('me-role', 'ADMIN');
      await byTestId('admin-panel').waitFor({ state: 'visible' });
      const total = await t.prisma.user.count();
      expect(total).toBe(2);
      await waitForText('user-total', String(total));
      const rows = await byTestId('user-rows').locator('tr').allTextContents();
      expect(rows).toHaveLength(2);
      expect(rows.join('\n')).toContain(ADMIN_EMAIL);
      expect(rows.join('\n')).toContain(userEmail);
      expect(await textOf('user-range')).toBe('1–2');
      // The admin's own events only: this sign-in, not the other user's sign-up.
      await waitForText('event-rows', 'signin');
      expect(await byTestId('event-rows').locator('tr').allTextContents()).toEqual([expect.stringContaining('signin')]);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'concurrent requests that meet a 401 share one refresh',
    async () => {
      await Promise.all([responseTo('POST', '/auth/refresh', 200), byTestId('refresh-now').click()]);
      await waitForRefreshCount(1);
      const refreshesBefore = refreshRequests;
      await page.route(
        '**/users/me',
        (route) => route.fulfill({ status: 401, contentType: 'application/json', body: '{"statusCode":401,"message":"Unauthorized"}' }),
        { times: 1 },
      );
      await page.route(
        '**/users?*',
        (route) => route.fulfill({ status: 401, contentType: 'application/json', body: '{"statusCode":401,"message":"Unauthorized"}' }),
        { times: 1 },
      );
      await Promise.all([responseTo('GET', '/users/me', 200), responseTo('GET', '/users', 200), byTestId('reload').click()]);
      await waitForText('refresh-count', /^2$/);
      expect(refreshRequests - refreshesBefore).toBe(1);
      expect(await textOf('user-total')).toBe('2');
      expect(await textOf('me-role')).toBe('ADMIN');
      expect(await byTestId('error').isVisible()).toBe(false);
      expectProblems([failedLoad(401, 'Unauthorized'), failedLoad(401, 'Unauthorized')]);

      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      rmSync(SCREENSHOT, { force: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(statSync(SCREENSHOT).size).toBeGreaterThan(0);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'signs out everywhere: every session of the admin is revoked, other devices included',
    async () => {
      const otherDevice = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
      await request(t.http).get('/users/me').set(bearer(otherDevice.accessToken)).expect(200);
      await byTestId('signout-all').click();
      await waitForText('status', 'Signed out');
      expect(await storedRefreshToken()).toBeNull();
      const sessions = await sessionsOf(ADMIN_EMAIL);
      expect(sessions).toHaveLength(2);
      for (const session of sessions) expect(session.revokedAt).not.toBeNull();
      await request(t.http).get('/users/me').set(bearer(otherDevice.accessToken)).expect(401);
      await request(t.http).post('/auth/refresh').set(bearer(otherDevice.refreshToken)).expect(401);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'verifies the email by following the link of the sign-up mail; the token leaves the address bar',
    async () => {
      const mail = await smtp.waitForMail(userEmail);
      expect(mail.subject).toBe('Confirm your email address');
      const link = linkIn(mail.text, 'verify');
      expect(link.startsWith(`${base}/demo#verify=`)).toBe(true);
      await Promise.all([responseTo('POST', '/auth/email/verify', 204), page.goto(link, { waitUntil: 'load' })]);
      await waitForText('notice', 'Your email address is verified.');
      expect(page.url()).toBe(`${base}/demo`);
      expect((await t.prisma.user.findUniqueOrThrow({ where: { email: userEmail } })).emailVerified).toBe(true);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'forgot password from the form, then the link of the reset mail: a form for the new password, which then signs in',
    async () => {
      const newPassword = 'a new demo passphrase 21';
      await byTestId('email').fill(userEmail);
      await Promise.all([responseTo('POST', '/auth/password/forgot', 202), byTestId('forgot').click()]);
      await waitForText('notice', 'If an account has this email');
      const mail = await smtp.waitForMail(userEmail, 2);
      expect(mail.subject).toBe('Reset your password');

      await page.goto(linkIn(mail.text, 'reset'), { waitUntil: 'load' });
      await byTestId('reset-panel').waitFor({ state: 'visible', timeout: 10_000 });
      expect(page.url()).toBe(`${base}/demo`);
      expect(await byTestId('auth-panel').isVisible()).toBe(false);
      await byTestId('new-password').fill(newPassword);
      await Promise.all([responseTo('POST', '/auth/password/reset', 204), byTestId('reset-submit').click()]);
      await waitForText('notice', 'Your password is changed');
      expect(await byTestId('reset-panel').isVisible()).toBe(false);

      await byTestId('email').fill(userEmail);
      await byTestId('password').fill(newPassword);
      await byTestId('signin').click();
      await waitForText('me-email', userEmail);
      expect(await textOf('me-verified')).toBe('yes');
      expect(await byTestId('resend-verification').isVisible()).toBe(false);
      expectProblems();
    },
    STEP_TIMEOUT_MS,
  );

  describe('second factor (TOTP)', () => {
    const mfaEmail = uniqueEmail('demo-mfa');
    let secret = '';
    const mfaUser = () => t.prisma.user.findUniqueOrThrow({ where: { email: mfaEmail } });

    it(
      'enrols: the QR code is drawn on a canvas from the otpauth URL, the recovery codes are shown once, as text',
      async () => {
        // The e-mail steps before this one left their user signed in.
        await byTestId('signout').click();
        await waitForText('status', 'Signed out');
        await byTestId('email').fill(mfaEmail);
        await byTestId('password').fill(PASSWORD);
        await byTestId('signup').click();
        await waitForText('me-email', mfaEmail);
        await waitForText('mfa-status', /^off$/);
        await awayFromStepBoundary();
        await Promise.all([responseTo('POST', '/auth/mfa/totp/setup', 200), byTestId('mfa-setup').click()]);
        await byTestId('mfa-enrol').waitFor({ state: 'visible', timeout: 10_000 });
        secret = await textOf('mfa-secret');
        expect(secret).toMatch(/^[A-Z2-7]{32}$/);
        // The canvas holds a QR code: square, and both dark and light modules.
        const drawn = await page.evaluate(() => {
          const canvas = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document.getElementById(
            'mfa-qr',
          ) as {
            width: number;
            height: number;
            getContext(type: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
          };
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let dark = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i] < 128) dark += 1;
          return { width: canvas.width, height: canvas.height, dark, pixels: data.length / 4 };
        });
        expect(drawn.width).toBeGreaterThan(100);
        expect(drawn.height).toBe(drawn.width);
        expect(drawn.dark).toBeGreaterThan(drawn.pixels / 5);
        expect(drawn.dark).toBeLessThan(drawn.pixels);

        await byTestId('mfa-enable-code').fill(codeAt(secret, -1));
        await Promise.all([responseTo('POST', '/auth/mfa/totp/enable', 200), byTestId('mfa-enable').click()]);
        await waitForText('mfa-status', /^on$/);
        const codes = await byTestId('mfa-recovery-codes').locator('li').allTextContents();
        expect(codes).toHaveLength(10);
        for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
        expect(await byTestId('mfa-recovery-codes').locator('li *').count()).toBe(0);
        expect(await byTestId('mfa-enrol').isVisible()).toBe(false);
        expect((await mfaUser()).mfaEnabled).toBe(true);
        // The page refreshed after enabling: its session is second-factor verified.
        expect(decodeJwt((await storedRefreshToken())!).header.typ).toBe('rt+jwt');
        const [session] = await sessionsOf(mfaEmail);
        expect(session.mfaVerified).toBe(true);
        expectProblems();
      },
      STEP_TIMEOUT_MS,
    );

    it(
      'signs in with a code computed from the secret; the recovery codes are not shown again',
      async () => {
        await byTestId('signout').click();
        await waitForText('status', 'Signed out');
        await byTestId('email').fill(mfaEmail);
        await byTestId('password').fill(PASSWORD);
        await Promise.all([responseTo('POST', '/auth/signin', 200), byTestId('signin').click()]);
        await byTestId('mfa-step').waitFor({ state: 'visible', timeout: 10_000 });
        expect(await byTestId('auth-form').isVisible()).toBe(false);
        expect(await storedRefreshToken()).toBeNull();
        await awayFromStepBoundary();
        await byTestId('mfa-code').fill(codeAt(secret));
        await Promise.all([responseTo('POST', '/auth/signin/mfa', 200), byTestId('mfa-submit').click()]);
        await waitForText('me-email', mfaEmail);
        await waitForText('mfa-status', /^on$/);
        expect(await byTestId('mfa-recovery').isVisible()).toBe(false);
        const sessions = await sessionsOf(mfaEmail);
        expect(sessions.at(-1)!.mfaVerified).toBe(true);
        expectProblems();
      },
      STEP_TIMEOUT_MS,
    );

    it(
      'turns TOTP off with a code',
      async () => {
        await awayFromStepBoundary();
        await byTestId('mfa-disable-code').fill(codeAt(secret, 1));
        await Promise.all([responseTo('POST', '/auth/mfa/totp/disable', 204), byTestId('mfa-disable').click()]);
        await waitForText('mfa-status', /^off$/);
        expect((await mfaUser()).mfaEnabled).toBe(false);
        await waitForText('event-rows', 'mfa.disabled');
        expectProblems();
      },
      STEP_TIMEOUT_MS,
    );
  });
});
