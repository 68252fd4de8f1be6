/**
 * Services and programs that some tests need and a newcomer's machine (Node and npm only) may lack: a browser,
 * Redis and nginx. Off CI a missing one skips the tests that need it, with one line saying what to install or set;
 * under CI=true a missing one fails the test file, because `.ci/run` provides all of them.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export const IN_CI = process.env.CI === 'true';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_PING_TIMEOUT_MS = 1_000;
const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Off CI: undefined. Under CI: an error saying what is missing and how to provide it. */
function missing(what: string, howToGet: string): undefined {
  if (IN_CI) throw new Error(`CI=true and ${what} is missing: ${howToGet}`);
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Whether a Redis answers PING at `url` within a second (ioredis, so that passwords and rediss:// work). */
async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: REDIS_PING_TIMEOUT_MS,
    commandTimeout: REDIS_PING_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined); // the failed connect() below reports it
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * The Redis the tests may use: TEST_REDIS_URL (which must answer), else the default local Redis when it answers
 * PING quickly; undefined when there is none (off CI).
 */
export async function redisUrlForTests(): Promise<string | undefined> {
  const given = process.env.TEST_REDIS_URL;
  if (given) {
    if (!(await answersPing(given))) throw new Error(`TEST_REDIS_URL=${given} does not answer PING`);
    return given;
  }
  if (await answersPing(DEFAULT_REDIS_URL)) return DEFAULT_REDIS_URL;
  return missing(`a Redis at ${DEFAULT_REDIS_URL}`, 'start redis-server or set TEST_REDIS_URL');
}

/** A `redis-server` executable on PATH, for tests that run a private Redis they stop and start. */
export function redisServerBinary(): string | undefined {
  return onPath('redis-server') ?? missing('redis-server', 'install Redis (redis-server on PATH)');
}

/** Where Debian's package puts nginx: /usr/sbin, which is not on every user's PATH. */
const DEBIAN_NGINX = '/usr/sbin/nginx';

/** An `nginx` executable (Debian's, else one on PATH), for the tests that put several instances behind it. */
export function nginxBinary(): string | undefined {
  if (isExecutableFile(DEBIAN_NGINX)) return DEBIAN_NGINX;
  return onPath('nginx') ?? missing('nginx', 'install nginx: apt-get install nginx');
}

/** Playwright's own browsers (`npx playwright install chromium`): build folder prefix, then executables inside. */
const PLAYWRIGHT_BUILDS: [string, string[]][] = [
  ['chromium-', ['chrome-linux64/chrome', 'chrome-linux/chrome']],
  ['chromium_headless_shell-', ['chrome-headless-shell-linux64/chrome-headless-shell', 'chrome-linux/headless_shell']],
];

/** The newest Chromium that Playwright installed itself, where Playwright looks for it. */
function playwrightChromium(): string | undefined {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const root = process.env.PLAYWRIGHT_BROWSERS_PATH || join(cache, 'ms-playwright');
  let folders: string[];
  try {
    folders = readdirSync(root);
  } catch {
    return undefined;
  }
  for (const [prefix, executables] of PLAYWRIGHT_BUILDS) {
    const revision = (folder: string) => Number(folder.slice(prefix.length));
    const builds = folders.filter((folder) => folder.startsWith(prefix) && Number.isInteger(revision(folder)));
    builds.sort((a, b) => revision(b) - revision(a));
    for (const build of builds) {
      const found = executables.map((executable) => join(root, build, executable)).find(isExecutableFile);
      if (found) return found;
    }
  }
  return undefined;
}

/** A Chromium or Chrome executable: CHROME_PATH, else one on PATH, else Playwright's own install. */
export function chromePath(): string | undefined {
  const given = process.env.CHROME_PATH;
  if (given) {
    if (!isExecutableFile(given)) throw new Error(`CHROME_PATH=${given} is not an executable file`);
    return given;
  }
  for (const name of BROWSER_NAMES) {
    const found = onPath(name);
    if (found) return found;
  }
  return playwrightChromium() ?? missing('Chromium', 'install Chromium or set CHROME_PATH');
}

type Describe = (name: string, body: () => void) => void;

/**
 * `describe` when `available`; otherwise a `describe.skip` that prints one line saying what is missing and how to
 * get it (once, however many blocks use it). Under CI=true a missing requirement fails instead.
 */
export function describeWhen(available: boolean, what: string, howToGet: string): Describe {
  if (available) return describe;
  if (IN_CI) throw new Error(`CI=true and ${what} is missing: ${howToGet}`);
  let told = false;
  return (name, body) => {
    if (!told) {
      told = true;
      process.stdout.write(`skipped: ${what} (${howToGet})\n`);
    }
    describe.skip(name, body);
  };
}
