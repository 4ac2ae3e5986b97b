#!/usr/bin/env node
// The web UI benchmark (issue 5, "Done when" 3): on the 100,000-case store of bench/seed.ts,
// how long the case list takes to show its first page in headless Chromium, and what a page
// change downloads. See docs/benchmarks.md ("Web UI").
//
//   node bench/web-ui.mjs                     # scale 1 (100k cases), 30 warm + 10 cold loads
//   node bench/web-ui.mjs --scale 0.01        # smoke run on the 1% seed
//
// Options (CLI or env): --scale/BENCH_SCALE (1), --seed/BENCH_SEED (42), --loads/BENCH_LOADS (30
// warm loads; a third as many cold ones), --skip-build, --reseed, --data <dir> (use this seeded
// directory of bench/seed.ts instead of the cache key's; it is copied, never modified).
//
// Steps: build the server and the UI; reuse (or make) the cached seed of bench/seed.ts
// (bench/lib/seed-cache.mjs, the key run.mjs uses); copy it to bench/.data/web-run; start
// `node packages/server/dist/main.js` on the copy; give the benchmark org-admin (largest
// organisation, 60,006 cases) a password through the API; log in through the UI's form in
// Debian's Chromium (/usr/bin/chromium, playwright-core, headless).
//   - first page: navigation to `/cases` -> the first `[data-testid=case-row]` in the DOM and the
//     next animation frame (measured in the page: `performance.now()` is relative to the
//     navigation start). "warm": the same tab navigates again from about:blank (hashed assets
//     cached, index.html revalidated); "cold": a new context with the session cookie only (empty
//     HTTP cache).
//   - paging: every HTTP response of a click on "Next page" is recorded (URL, bytes, number of
//     case documents in query results) until the first row shows another case.
// Prints a table and writes bench/results/web-ui.json.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ensureSeed } from './lib/seed-cache.mjs';
import { freePort, rssOf, startBuiltServer } from './lib/server.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values: cli } = parseArgs({
  options: {
    scale: { type: 'string' },
    seed: { type: 'string' },
    loads: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    reseed: { type: 'boolean', default: false },
    data: { type: 'string' },
  },
});
const SCALE = Number(cli.scale ?? process.env.BENCH_SCALE ?? 1);
const SEED = Number(cli.seed ?? process.env.BENCH_SEED ?? 42);
const LOADS = Number(cli.loads ?? process.env.BENCH_LOADS ?? 30);
const COLD = Math.max(3, Math.round(LOADS / 3));
const CHROMIUM = '/usr/bin/chromium';
const GOAL_MS = 1000;
const PASSWORD = 'bench-ui-Secret-1';
const ROW = '[data-testid="case-row"]';
const log = (msg) => process.stderr.write(`${msg}\n`);

if (!existsSync(CHROMIUM)) {
  log(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh first`);
  process.exit(2);
}

// ---- 1. build ----
if (!cli['skip-build']) {
  for (const ws of ['@waggle/server', '@waggle/web']) {
    log(`building ${ws}`);
    const r = spawnSync('npm', ['run', 'build', '-w', ws], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

// ---- 2. data ----
const seeded = cli.data
  ? { dir: cli.data, key: basename(cli.data), info: JSON.parse(readFileSync(join(cli.data, 'bench.json'), 'utf8')) }
  : ensureSeed(root, { scale: SCALE, seed: SEED, reseed: cli.reseed, log });
const runDir = join(root, 'bench', '.data', 'web-run');
rmSync(runDir, { recursive: true, force: true });
cpSync(seeded.dir, runDir, { recursive: true });
const info = seeded.info;
const mainOrg = info.orgs.find((o) => o.name === info.bench.org);

// ---- 3. server ----
const port = await freePort();
const server = await startBuiltServer(root, { dataDir: runDir, port, adminPassword: info.bench.adminPassword });
const base = `http://127.0.0.1:${port}`;
log(`server ready in ${Math.round(server.readyMs)} ms on ${base}`);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const round = (x) => Math.round(x * 10) / 10;

let browser;
const results = {};
try {
  const adminAuth = `Basic ${Buffer.from(`${info.bench.adminLogin}:${info.bench.adminPassword}`).toString('base64')}`;
  const set = await fetch(`${base}/api/v1/user/${encodeURIComponent(info.bench.login)}/password/set`, {
    method: 'POST',
    headers: { authorization: adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD }),
  });
  if (!set.ok) throw new Error(`setting the benchmark user's password: ${set.status} ${await set.text()}`);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
  /** Records, in the page, when the first case row is in the DOM and the frame after it. */
  const probe = () => {
    const w = window;
    w.__rows = undefined;
    const seen = () => {
      if (w.__rows !== undefined || !document.querySelector('[data-testid="case-row"]')) return false;
      // where the time went: the app's script ran (DOMContentLoaded), and the case query's end
      const nav = performance.getEntriesByType('navigation')[0];
      const query = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/query'));
      w.__rows = {
        dom: performance.now(),
        dcl: nav ? nav.domContentLoadedEventEnd : undefined,
        queryEnd: query.length ? Math.max(...query.map((e) => e.responseEnd)) : undefined,
        queryMs: query.length ? Math.max(...query.map((e) => e.duration)) : undefined,
      };
      requestAnimationFrame(() => (w.__rows.frame = performance.now()));
      return true;
    };
    new MutationObserver((_, obs) => seen() && obs.disconnect()).observe(document, { childList: true, subtree: true });
  };
  const newContext = async (cookies) => {
    const c = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    if (cookies) await c.addCookies(cookies);
    await c.addInitScript(probe);
    return c;
  };

  const ctx = await newContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${base}/cases`);
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Login').fill(info.bench.login);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.locator(ROW).first().waitFor();
  const rowsPerPage = await page.locator(ROW).count();
  // the session cookie for the cold contexts (storageState() waits on the open event stream)
  const cookies = await ctx.cookies();
  log(`logged in as ${info.bench.login}; ${rowsPerPage} rows on the first page`);

  /** The live event stream never ends: waiting for its size or body would wait forever. */
  const finite = (r) => !new URL(r.url()).pathname.startsWith('/api/v1/stream');
  /** One navigation to /cases: ms to the first row (DOM and next frame), requests and bytes. */
  const load = async (p) => {
    const responses = [];
    const onResponse = (r) => responses.push(r);
    p.on('response', onResponse);
    await p.goto(`${base}/cases`, { waitUntil: 'commit' });
    await p.waitForFunction(() => window.__rows?.frame !== undefined, undefined, { timeout: 60_000 });
    const t = await p.evaluate(() => window.__rows);
    p.off('response', onResponse);
    let bytes = 0;
    for (const r of responses.filter(finite))
      bytes += Number(
        (
          await r
            .request()
            .sizes()
            .catch(() => ({ responseBodySize: 0 }))
        ).responseBodySize,
      );
    return {
      domMs: t.dom,
      frameMs: t.frame,
      dclMs: t.dcl,
      queryEndMs: t.queryEnd,
      queryMs: t.queryMs,
      requests: responses.length,
      apiRequests: responses.filter((r) => new URL(r.url()).pathname.startsWith('/api/')).length,
      bytes,
    };
  };

  // warm: the same page navigates again (cached assets, index.html revalidated)
  const warm = [];
  for (let i = 0; i < LOADS + 2; i++) {
    await page.goto('about:blank');
    const r = await load(page);
    if (i >= 2) warm.push(r); // the first two warm the server's and the browser's caches
    log(`warm load ${i + 1}/${LOADS + 2}: ${Math.round(r.frameMs)} ms`);
  }
  // cold: a new context (empty HTTP cache) with the session cookie
  const cold = [];
  for (let i = 0; i < COLD; i++) {
    const c = await newContext(cookies);
    cold.push(await load(await c.newPage()));
    await c.close();
    log(`cold load ${i + 1}/${COLD}: ${Math.round(cold[i].frameMs)} ms`);
  }
  const p50Of = (xs, k) => round(pct(xs.map((x) => x[k] ?? NaN).filter(Number.isFinite), 50));
  const summary = (xs) => ({
    n: xs.length,
    dclP50: p50Of(xs, 'dclMs'),
    slowestQueryP50: p50Of(xs, 'queryMs'),
    queryEndP50: p50Of(xs, 'queryEndMs'),
    p50: round(
      pct(
        xs.map((x) => x.frameMs),
        50,
      ),
    ),
    p95: round(
      pct(
        xs.map((x) => x.frameMs),
        95,
      ),
    ),
    max: round(Math.max(...xs.map((x) => x.frameMs))),
    domP50: round(
      pct(
        xs.map((x) => x.domMs),
        50,
      ),
    ),
    requests: pct(
      xs.map((x) => x.requests),
      50,
    ),
    apiRequests: pct(
      xs.map((x) => x.apiRequests),
      50,
    ),
    kB: round(
      pct(
        xs.map((x) => x.bytes),
        50,
      ) / 1024,
    ),
  });
  results.firstPage = { warm: summary(warm), cold: summary(cold), rowsPerPage, goalMs: GOAL_MS };

  // ---- paging ----
  const pageChanges = [];
  for (let i = 0; i < 5; i++) {
    const before = await page.locator(ROW).first().getAttribute('data-case-id');
    const seen = [];
    const onResponse = (r) => seen.push(r);
    page.on('response', onResponse);
    const t0 = Date.now();
    await page.getByRole('button', { name: /next page/i }).click();
    await page.waitForFunction(
      ([sel, id]) => {
        const first = document.querySelector(sel);
        return first !== null && first.getAttribute('data-case-id') !== id;
      },
      [ROW, before],
    );
    const ms = Date.now() - t0;
    await page.waitForTimeout(500); // late requests of the change (networkidle never comes: the event stream stays open)
    page.off('response', onResponse);
    const calls = [];
    for (const r of seen.filter(finite)) {
      const body = await r.body().catch(() => Buffer.alloc(0));
      let docs = 0;
      try {
        const json = JSON.parse(body.toString('utf8'));
        if (Array.isArray(json)) docs = json.filter((d) => d && d._type?.toLowerCase() === 'case').length;
      } catch {
        /* not JSON */
      }
      calls.push({ url: new URL(r.url()).pathname + new URL(r.url()).search, status: r.status(), bytes: body.length, caseDocs: docs });
    }
    pageChanges.push({ ms, calls, rows: await page.locator(ROW).count() });
  }
  const caseDocs = pageChanges.map((c) => c.calls.reduce((s, x) => s + x.caseDocs, 0));
  const bytes = pageChanges.map((c) => c.calls.reduce((s, x) => s + x.bytes, 0));
  results.paging = {
    changes: pageChanges.length,
    msP50: pct(
      pageChanges.map((c) => c.ms),
      50,
    ),
    requestsP50: pct(
      pageChanges.map((c) => c.calls.length),
      50,
    ),
    caseDocsMax: Math.max(...caseDocs),
    kBP50: round(pct(bytes, 50) / 1024),
    rowsPerPage,
    example: pageChanges[0].calls,
    onlyOnePage: caseDocs.every((n) => n <= rowsPerPage),
  };
  results.server = { ...rssOf(server.child.pid), readyMs: Math.round(server.readyMs) };
} finally {
  await browser?.close().catch(() => undefined);
  await server.stop();
  rmSync(runDir, { recursive: true, force: true });
}

const chromiumVersion = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout.trim();
const out = {
  when: new Date().toISOString(),
  command: `node bench/web-ui.mjs${SCALE !== 1 ? ` --scale ${SCALE}` : ''}${cli.data ? ` --data ${cli.data}` : ''}`,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, chromium: chromiumVersion },
  dataset: { scale: SCALE, seed: SEED, cases: info.counts.cases, orgCases: mainOrg?.cases, user: info.bench.login, seedKey: seeded.key },
  load1End: round(loadavg()[0]),
  ...results,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'web-ui.json'), `${JSON.stringify(out, null, 2)}\n`);

const f = results.firstPage;
console.log(
  `\nWeb UI on ${info.counts.cases.toLocaleString('en')} cases (${mainOrg?.cases.toLocaleString('en')} visible to ${info.bench.login}), ${chromiumVersion}`,
);
console.log('| load | n | p50 ms | p95 ms | max ms | script ran (p50) | slowest query (p50) | last query answered (p50) | requests | API requests | kB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [k, s] of [
  ['warm (cached assets)', f.warm],
  ['cold (empty cache)', f.cold],
])
  console.log(
    `| ${k} | ${s.n} | ${s.p50} | ${s.p95} | ${s.max} | ${s.dclP50} | ${s.slowestQueryP50} | ${s.queryEndP50} | ${s.requests} | ${s.apiRequests} | ${s.kB} |`,
  );
const pg = results.paging;
console.log(
  `\npaging (${pg.changes} clicks on "Next page"): p50 ${pg.msP50} ms, ${pg.requestsP50} request(s), ${pg.kBP50} kB, at most ${pg.caseDocsMax} case documents per change (${pg.rowsPerPage} rows per page): ${pg.onlyOnePage ? 'only one page is downloaded' : 'MORE THAN ONE PAGE IS DOWNLOADED'}`,
);
for (const c of pg.example) console.log(`  ${c.status} ${c.url} ${c.bytes} B, ${c.caseDocs} cases`);
console.log(
  `goal: first page < ${GOAL_MS} ms at p95 (warm ${f.warm.p95 < GOAL_MS ? 'met' : 'NOT met'}, cold ${f.cold.p95 < GOAL_MS ? 'met' : 'NOT met'}); load average at the end ${out.load1End}`,
);
