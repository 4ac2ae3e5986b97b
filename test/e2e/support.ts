/**
 * End-to-end harness: the built web UI (`packages/web/dist`, built here when missing or older
 * than its sources), a real Waggle process on a free port with a temporary data directory,
 * seeding through the public API, and Debian's Chromium (`/usr/bin/chromium`, installed by
 * `scripts/ensure-chromium.sh`) driven headless by playwright-core. Nothing is mocked.
 *
 *   const w = await startE2e();                       // server + browser
 *   const org = await w.org('soc');                  // organisation with analysts, through the API
 *   const { page } = await w.open(org.analyst);       // a logged-in browser context
 *   ...
 *   await w.close();                                 // browser and server killed by pid
 *
 * Screenshots of the main pages go to `docs/screenshots/<name>.png` when WAGGLE_SCREENSHOTS=1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ROOT, startServer, type ServerProcess } from '../support/server-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN = { login: 'admin@thehive.local', password: 'e2e-admin-secret' };
export const PASSWORD = 'e2e-user-Secret-1';
/** Playwright's timeout for one expectation (the machine is shared; nothing asserts durations). */
export const UI_TIMEOUT = 15_000;

export interface Creds {
  login: string;
  password: string;
  org?: string;
}

/** Why the e2e tests cannot run here, or undefined when they can (the browser is installed). */
export function cannotRun(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `Debian's Chromium is not installed at ${CHROMIUM}: run scripts/ensure-chromium.sh (.ci/run does)`;
  if (process.env.CI) throw new Error(why);
  return why;
}

// ---------------------------------------------------------------------------------------------
// Build once
// ---------------------------------------------------------------------------------------------

const WEB = join(ROOT, 'packages/web');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist') continue;
    max = Math.max(max, newestMtime(join(path, name)));
  }
  return max;
}

/** True when `packages/web/dist/index.html` is missing or older than any UI source. */
export function webIsStale(): boolean {
  const index = join(WEB, 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const sources = Math.max(...['src', 'index.html', 'vite.config.ts', 'package.json', 'public'].map((p) => newestMtime(join(WEB, p))));
  return sources > statSync(index).mtimeMs;
}

const BUILD_LOCK = join(tmpdir(), 'waggle-e2e-web-build.lock');

/** Resolves once no e2e process is building the UI (see `ensureWebBuilt`). */
async function waitForBuildLock(): Promise<void> {
  for (let i = 0; i < 1200 && existsSync(BUILD_LOCK); i++) await new Promise((r) => setTimeout(r, 250));
}

/**
 * Builds the UI (`npm run build -w @waggle/web`) when missing or stale. Test files run in
 * parallel: a lock directory makes the others wait for one build instead of building twice.
 */
export async function ensureWebBuilt(): Promise<void> {
  const lock = BUILD_LOCK;
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // a lock older than the deadline is from a killed run
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the UI build lock ${lock} was held for 5 minutes`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!webIsStale()) return;
    const r = spawnSync('npm', ['run', 'build', '-w', '@waggle/web'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) throw new Error(`npm run build -w @waggle/web failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(join(WEB, 'dist', 'index.html')), 'the UI build wrote packages/web/dist/index.html');
  } finally {
    rmdirSync(lock);
  }
}

// ---------------------------------------------------------------------------------------------
// API (seeding goes through the public API, like any client)
// ---------------------------------------------------------------------------------------------

export interface ApiRes {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export const basicAuth = (c: Creds): string => `Basic ${Buffer.from(`${c.login}:${c.password}`).toString('base64')}`;

export interface Api {
  (method: string, path: string, body?: unknown): Promise<ApiRes>;
  /** Like the call, but asserts a 2xx and returns the parsed body. */
  ok(method: string, path: string, body?: unknown): Promise<any>;
  /** Multipart upload: `_json` plus file parts. */
  upload(path: string, files: Array<{ field: string; name: string; type: string; content: string }>, json?: unknown): Promise<ApiRes>;
}

export function apiFor(base: string, creds: Creds): Api {
  const headers = (): Record<string, string> => ({ authorization: basicAuth(creds), ...(creds.org ? { 'x-organisation': creds.org } : {}) });
  const parse = async (r: Response): Promise<ApiRes> => {
    const text = await r.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: r.status, body, text, headers: r.headers };
  };
  const call = (async (method: string, path: string, body?: unknown) =>
    parse(
      await fetch(`${base}${path}`, {
        method,
        headers: { ...headers(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    )) as Api;
  call.ok = async (method, path, body) => {
    const r = await call(method, path, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  call.upload = async (path, files, json) => {
    const form = new FormData();
    if (json !== undefined) form.append('_json', JSON.stringify(json));
    for (const f of files) form.append(f.field, new Blob([f.content], { type: f.type }), f.name);
    return parse(await fetch(`${base}${path}`, { method: 'POST', headers: headers(), body: form }));
  };
  return call;
}

// ---------------------------------------------------------------------------------------------
// Server + browser
// ---------------------------------------------------------------------------------------------

export interface E2eOrg {
  name: string;
  admin: Creds;
  analyst: Creds;
  analyst2: Creds;
}

/** What the page did that it must never do: script run by user content, dialogs, CSP reports. */
export interface Tripwires {
  dialogs: string[];
  pageErrors: string[];
}

export interface E2e {
  server: ServerProcess;
  base: string;
  browser: Browser;
  admin: Api;
  api(creds: Creds): Api;
  /** Creates an organisation with an org-admin and two analysts (through the API). */
  org(name: string): Promise<E2eOrg>;
  /** A new browser context logged in as `creds` through the login form, on `path`. */
  open(creds: Creds, path?: string): Promise<{ context: BrowserContext; page: Page; trip: Tripwires }>;
  close(): Promise<void>;
}

/**
 * Installed in every page before its scripts: `window.__xss` stays undefined unless injected
 * content runs; CSP violations (inline script or handler the UI let into the DOM) are recorded.
 */
function initTripwires(): void {
  const w = window as unknown as { __cspViolations: string[] };
  w.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
}

/**
 * Opens `path` and waits for the login form. In a shared checkout another test file may be
 * rebuilding packages/web/dist right now (the server then answers 503, or the old assets are
 * gone): wait for that build, then load again (3 attempts).
 */
export async function gotoLoginForm(page: Page, base: string, path = '/cases'): Promise<Locator> {
  const form = page.getByRole('form', { name: 'Sign in' });
  for (let attempt = 1; ; attempt++) {
    await waitForBuildLock();
    const res = await page.goto(`${base}${path}`);
    const shown =
      res?.status() === 200 &&
      (await form.waitFor({ timeout: UI_TIMEOUT }).then(
        () => true,
        () => false,
      ));
    if (shown) return form;
    if (attempt === 3) assert.fail(`the login form did not show at ${path} (HTTP ${res?.status()}): ${(await page.content()).slice(0, 500)}`);
  }
}

/** Logs in through the UI's form on `path`. */
export async function loginThroughUi(page: Page, base: string, creds: Creds, path = '/cases'): Promise<void> {
  const form = await gotoLoginForm(page, base, path);
  await form.getByLabel('Login').fill(creds.login);
  await form.getByLabel('Password').fill(creds.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await form.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
}

export async function startE2e(): Promise<E2e> {
  await ensureWebBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'waggle-e2e-'));
  let server: ServerProcess;
  try {
    server = await startServer({
      WAGGLE_DATA_DIR: dataDir,
      WAGGLE_ADMIN_PASSWORD: ADMIN.password,
      WAGGLE_MODE: 'test',
      WAGGLE_LOG_LEVEL: 'warn',
      WAGGLE_SQLITE_SYNCHRONOUS: 'NORMAL',
      WAGGLE_ANALYSIS_PORT: '0',
    });
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
  } catch (e) {
    await server.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const base = server.base;
  const contexts: BrowserContext[] = [];
  const admin = apiFor(base, ADMIN);
  return {
    server,
    base,
    browser,
    admin,
    api: (creds) => apiFor(base, creds),
    org: async (name) => {
      await admin.ok('POST', '/api/v1/organisation', { name, description: `e2e organisation ${name}` });
      const mk = async (profile: string, login: string): Promise<Creds> => {
        await admin.ok('POST', '/api/v1/user', { login, name: login.split('@')[0], profile, organisation: name, password: PASSWORD });
        return { login, password: PASSWORD, org: name };
      };
      return {
        name,
        admin: await mk('org-admin', `admin@${name}.test`),
        analyst: await mk('analyst', `alice@${name}.test`),
        analyst2: await mk('analyst', `bob@${name}.test`),
      };
    },
    open: async (creds, path = '/cases') => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
      contexts.push(context);
      context.setDefaultTimeout(UI_TIMEOUT);
      await context.addInitScript(initTripwires);
      const page = await context.newPage();
      const trip: Tripwires = { dialogs: [], pageErrors: [] };
      page.on('dialog', (d) => {
        trip.dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => undefined);
      });
      page.on('pageerror', (e) => trip.pageErrors.push(e.message));
      await loginThroughUi(page, base, creds, path);
      return { context, page, trip };
    },
    close: async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      // SIGTERM, then SIGKILL to the same pid if it does not exit within 10 s
      const stopped = server.stop('SIGTERM');
      const late = await Promise.race([stopped.then(() => false), new Promise<boolean>((r) => setTimeout(r, 10_000, true).unref())]);
      if (late) {
        server.child.kill('SIGKILL');
        await stopped;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Screenshots
// ---------------------------------------------------------------------------------------------

export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** Saves `docs/screenshots/<name>.png` when WAGGLE_SCREENSHOTS=1 (the committed PNGs come from such a run). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.WAGGLE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForTimeout(300); // let late renders settle (networkidle never comes: the event stream stays open)
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false, animations: 'disabled' });
}

/** The CSP violations the page recorded (see `initTripwires`). */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

/** Polls `read` until `check` passes or UI_TIMEOUT ends (a request the UI made may still be in flight). */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + UI_TIMEOUT;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}
