#!/usr/bin/env node
// The Waggle core benchmark (`npm run bench`). See docs/benchmarks.md.
//
//   npm run bench                        # full scale: 100k cases, 1M observables, 300k tasks
//   npm run bench -- --scale 0.01        # 1% smoke run (under a minute)
//   BENCH_SCALE=0.1 npm run bench
//
// Options (CLI or env): --scale/BENCH_SCALE (1), --seed/BENCH_SEED (42), --requests/BENCH_REQUESTS
// (requests per latency scenario; default 2000 at full scale), --reseed (ignore the cached seed),
// --skip-build, --cpu-prof (server CPU profile into bench/.data/prof), --only list,search,create,
// --keep (keep the run directory), --analyze (seed with ANALYZE at the end).
//
// Steps: build the server; seed a data dir (cached in bench/.data/seed-<key>, keyed by the seed
// parameters and the sources that shape the data); copy it to bench/.data/run; start
// `node packages/server/dist/main.js` on it (start-up = spawn -> first 200 from /api/status,
// measured 3 times); run the HTTP scenarios; read VmRSS; print a table and write
// bench/results/latest.json.
import { spawn, spawnSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import http from 'node:http';
import { runLoad, request } from './lib/load.mjs';
import { freePort, rssOf, statusOnce } from './lib/server.mjs';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'bench');

const { values: cli } = parseArgs({
  options: {
    scale: { type: 'string' },
    seed: { type: 'string' },
    requests: { type: 'string' },
    reseed: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    analyze: { type: 'boolean', default: false },
  },
});
const env = process.env;
const SCALE = Number(cli.scale ?? env.BENCH_SCALE ?? 1);
const SEED = Number(cli.seed ?? env.BENCH_SEED ?? 42);
const ANALYZE = cli.analyze || env.BENCH_ANALYZE === '1';
const REQUESTS = Number(cli.requests ?? env.BENCH_REQUESTS ?? (SCALE >= 0.5 ? 2000 : 300));
const ONLY = (cli.only ?? env.BENCH_ONLY ?? 'list,search,create').split(',');
const GOALS = { listP95: 30, searchP95: 20, rssMB: 300, readyMs: 2000 };

const log = (msg) => process.stderr.write(`${msg}\n`);
const startLoad = loadavg().map((x) => Math.round(x * 10) / 10);
const sha = (s) => createHash('sha256').update(s).digest('hex');

// ---- deterministic choices for request bodies ----
let rs = SEED >>> 0;
function rand() {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

// ---- 1. build ----
if (!cli['skip-build']) {
  log('building the server (npm run build -w @waggle/server)');
  const r = spawnSync('npm', ['run', 'build', '-w', '@waggle/server'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// ---- 2. seed (cached) ----
const shaping = [
  'bench/seed.ts',
  'packages/server/src/entities/registry.ts',
  'packages/server/src/storage/sqlite/schema.ts',
  'packages/server/src/storage/sqlite/sqlite-entity-store.ts',
]
  .map((f) => readFileSync(join(root, f), 'utf8'))
  .join('\0');
const seedKey = `seed-s${SCALE}-r${SEED}${ANALYZE ? '-a' : ''}-${sha(shaping).slice(0, 10)}`;
const seedDir = join(benchDir, '.data', seedKey);
let seedInfo;
if (cli.reseed || !existsSync(join(seedDir, 'bench.json'))) {
  const tmp = `${seedDir}.tmp`;
  log(`seeding ${seedKey} (scale ${SCALE}) ...`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/seed.ts', '--dir', tmp, '--scale', String(SCALE), '--seed', String(SEED), ...(ANALYZE ? ['--analyze'] : [])],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...env, NODE_NO_WARNINGS: '1' },
    },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
  rmSync(seedDir, { recursive: true, force: true });
  renameSync(tmp, seedDir);
  // older seeds of the same parameters (made by other sources) only take disk space
  for (const d of readdirSync(join(benchDir, '.data'))) {
    const prefix = `seed-s${SCALE}-r${SEED}${ANALYZE ? '-a' : ''}-`;
    if (d.startsWith(prefix) && /^[0-9a-f]{10}$/.test(d.slice(prefix.length)) && d !== seedKey)
      rmSync(join(benchDir, '.data', d), { recursive: true, force: true });
  }
  seedInfo = JSON.parse(readFileSync(join(seedDir, 'bench.json'), 'utf8'));
  seedInfo.cached = false;
} else {
  seedInfo = JSON.parse(readFileSync(join(seedDir, 'bench.json'), 'utf8'));
  seedInfo.cached = true;
  log(`reusing the seeded data in bench/.data/${seedKey} (seeded in ${(seedInfo.timings.totalMs / 1000).toFixed(1)} s)`);
}

// ---- 3. run dir: a fresh copy, since the create scenario writes ----
const runDir = join(benchDir, '.data', 'run');
rmSync(runDir, { recursive: true, force: true });
const tCopy = performance.now();
cpSync(seedDir, runDir, { recursive: true });
log(`copied the data dir in ${((performance.now() - tCopy) / 1000).toFixed(1)} s`);

const profDir = join(benchDir, '.data', 'prof');
async function startServer(port, { profile = false } = {}) {
  const args = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), join(root, 'packages/server/dist/main.js')];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...env,
      WAGGLE_DATA_DIR: runDir,
      WAGGLE_HOST: '127.0.0.1',
      WAGGLE_PORT: String(port),
      WAGGLE_MODE: 'production',
      WAGGLE_ADMIN_PASSWORD: seedInfo.bench.adminPassword,
      NODE_NO_WARNINGS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-20000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-20000)));
  let exited = false;
  child.on('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the server exited during start-up:\n${output}`);
    if ((await statusOnce(port)) === 200) break;
    if (performance.now() - t0 > 120_000) throw new Error(`the server was not ready after 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - t0;
  const selfReported = Number((output.match(/started in (\d+) ms/) ?? [])[1] ?? NaN);
  return {
    child,
    readyMs,
    selfReported,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// ---- 4. start-up ----
const port = await freePort();
const starts = [];
let server;
for (let i = 0; i < 3; i++) {
  const s = await startServer(port);
  starts.push({ readyMs: Math.round(s.readyMs), selfReportedMs: s.selfReported });
  if (i < 2) await s.stop();
  else server = s;
}
if (cli['cpu-prof']) {
  await server.stop();
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  server = await startServer(port, { profile: true });
}
const readyMs = [...starts.map((s) => s.readyMs)].sort((a, b) => a - b)[1];
log(`start-up (spawn -> /api/status 200): ${starts.map((s) => `${s.readyMs} ms`).join(', ')}; idle RSS ${rssOf(server.child.pid).rssMB} MB`);

const target = { host: '127.0.0.1', port };
const auth = { authorization: `Bearer ${seedInfo.bench.apiKey}` };
const mainOrg = seedInfo.orgs.find((o) => o.name === seedInfo.bench.org);
const DAY = 86_400_000;
const now = seedInfo.seededAt;

// sanity: the benchmark user sees its organisation's cases
{
  const agent = new http.Agent({ keepAlive: false });
  const r = await request(agent, target, {
    method: 'POST',
    path: '/api/v1/query',
    headers: auth,
    body: { query: [{ _name: 'listCase' }, { _name: 'count' }] },
  });
  if (r.status !== 200) throw new Error(`count query failed: HTTP ${r.status} ${r.body}`);
  log(`the benchmark user (${seedInfo.bench.login}) sees ${r.body} cases`);
}

// ---- 5. scenarios ----
const LIST_EXTRA = ['observableStats', 'taskStats', 'isOwner', 'shareCount', 'permissions', 'actionRequired'];
const page = (from, size = 15) => ({ _name: 'page', from, to: from + size, extraData: LIST_EXTRA });
/** The case list queries of the mix, shaped like TheHive's UI sends them. */
const LIST_VARIANTS = [
  {
    name: 'open cases, sort -flag -startDate',
    body: () => [
      { _name: 'listCase' },
      { _name: 'filter', _in: { _field: 'stage', _values: ['New', 'InProgress'] } },
      { _name: 'sort', _fields: [{ flag: 'desc' }, { startDate: 'desc' }] },
      page(pick([0, 0, 15, 30])),
    ],
  },
  {
    name: 'assignee=X and not closed, sort -startDate',
    body: () => [
      { _name: 'listCase' },
      { _name: 'filter', _and: [{ _eq: { _field: 'assignee', _value: pick(mainOrg.users) } }, { _not: { _eq: { _field: 'stage', _value: 'Closed' } } }] },
      { _name: 'sort', _fields: [{ startDate: 'desc' }] },
      page(0),
    ],
  },
  {
    name: 'severity>=3, closed in last 90 days, sort -closedDate',
    body: () => [
      { _name: 'listCase' },
      { _name: 'filter', _and: [{ _gte: { _field: 'severity', _value: 3 } }, { _between: { _field: 'closedDate', _from: now - 90 * DAY, _to: now } }] },
      { _name: 'sort', _fields: [{ closedDate: 'desc' }] },
      page(pick([0, 15])),
    ],
  },
  {
    name: 'tag=T, sort -_createdAt, pages 1-4',
    body: () => [
      { _name: 'listCase' },
      { _name: 'filter', _eq: { _field: 'tags', _value: pick(['phishing', 'malware', 'ransomware', 'src:edr', 'src:splunk', 'escalated', 'vip']) } },
      { _name: 'sort', _fields: [{ _createdAt: 'desc' }] },
      page(pick([0, 15, 30, 45])),
    ],
  },
  {
    name: 'status=S, sort -number',
    body: () => [
      { _name: 'listCase' },
      { _name: 'filter', _eq: { _field: 'status', _value: pick(['TruePositive', 'FalsePositive', 'InProgress', 'New']) } },
      { _name: 'sort', _fields: [{ number: 'desc' }] },
      page(0),
    ],
  },
];

const results = { scenarios: [] };
const N = REQUESTS;
const add = (r, extra = {}) => {
  // the 1-minute load average when the scenario ended: other processes on the machine skew latencies
  const row = { ...r, ...extra, load1: Math.round(loadavg()[0] * 10) / 10 };
  results.scenarios.push(row);
  log(
    `  ${row.name.padEnd(58)} c=${String(row.concurrency).padEnd(2)} n=${row.requests} p50 ${row.p50} ms  p95 ${row.p95} ms  p99 ${row.p99} ms  ${row.rps} req/s${row.errors ? `  ERRORS ${row.errors}: ${row.firstError}` : ''}`,
  );
  return row;
};

const checkJsonList = (res) => {
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  if (!res.body.startsWith('[')) throw new Error(`not a list: ${res.body.slice(0, 200)}`);
};

if (ONLY.includes('list')) {
  log('case list (POST /api/v1/query listCase + filter + sort + page):');
  const bodies = (i) => LIST_VARIANTS[((i % LIST_VARIANTS.length) + LIST_VARIANTS.length) % LIST_VARIANTS.length];
  const mk = (i) => ({ method: 'POST', path: '/api/v1/query?name=cases', headers: auth, body: { query: bodies(i).body() } });
  results.list = add(
    await runLoad({ name: 'case list (mix of 5 filters)', target, concurrency: 1, requests: N, make: mk, check: checkJsonList, warmup: 100 }),
    { goalP95: GOALS.listP95 },
  );
  for (const v of LIST_VARIANTS) {
    const m = () => ({ method: 'POST', path: '/api/v1/query?name=cases', headers: auth, body: { query: v.body() } });
    add(await runLoad({ name: `  ${v.name}`, target, concurrency: 1, requests: Math.max(50, Math.round(N / 10)), make: m, check: checkJsonList, warmup: 5 }));
  }
  results.listConcurrent = add(await runLoad({ name: 'case list (mix), 8 connections', target, concurrency: 8, requests: N, make: mk, check: checkJsonList }));
  results.caseCount = add(
    await runLoad({
      name: 'case count (open cases)',
      target,
      concurrency: 1,
      requests: Math.max(50, Math.round(N / 10)),
      make: () => ({
        method: 'POST',
        path: '/api/v1/query?name=cases.count',
        headers: auth,
        body: { query: [{ _name: 'listCase' }, { _name: 'filter', _in: { _field: 'stage', _values: ['New', 'InProgress'] } }, { _name: 'count' }] },
      }),
      warmup: 5,
    }),
  );
}

if (ONLY.includes('search')) {
  log('observable search by data (listObservable + filter _eq data):');
  const samples = seedInfo.observableSamples;
  const mk = () => ({
    method: 'POST',
    path: '/api/v1/query?name=observables',
    headers: auth,
    body: {
      query: [
        { _name: 'listObservable' },
        { _name: 'filter', _eq: { _field: 'data', _value: pick(samples).data } },
        { _name: 'sort', _fields: [{ _createdAt: 'desc' }] },
        { _name: 'page', from: 0, to: 15 },
      ],
    },
  });
  results.search = add(
    await runLoad({ name: 'observable search (data = sampled value)', target, concurrency: 1, requests: N, make: mk, check: checkJsonList, warmup: 100 }),
    { goalP95: GOALS.searchP95 },
  );
  results.searchConcurrent = add(
    await runLoad({ name: 'observable search, 8 connections', target, concurrency: 8, requests: N, make: mk, check: checkJsonList }),
  );
}

if (ONLY.includes('create')) {
  log('case create (POST /api/v1/case):');
  let n = 0;
  const mk = () => {
    n++;
    return {
      method: 'POST',
      path: '/api/v1/case',
      headers: auth,
      body: {
        title: `Benchmark case ${n}: suspicious login on host-${Math.floor(rand() * 10000)}`,
        description: `Created by the benchmark. ${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1 + Math.floor(rand() * 10))}`,
        severity: pick([1, 2, 2, 3, 4]),
        tags: [pick(['phishing', 'malware', 'bec']), pick(['src:edr', 'src:splunk'])],
        tlp: 2,
        pap: 2,
        ...(rand() < 0.5 ? { assignee: pick(mainOrg.users) } : {}),
      },
    };
  };
  const check = (res) => {
    if (res.status !== 201) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  };
  results.create = add(
    await runLoad({ name: 'case create, 1 connection', target, concurrency: 1, requests: Math.max(50, Math.round(N / 4)), make: mk, check, warmup: 20 }),
  );
  results.createConcurrent = add(await runLoad({ name: 'case create, 16 connections', target, concurrency: 16, requests: N, make: mk, check }));
}

// ---- 6. memory, then stop ----
const mem = rssOf(server.child.pid);
log(`server RSS after the runs: ${mem.rssMB} MB (peak ${mem.hwmMB} MB)`);
await server.stop();
if (!cli.keep) rmSync(runDir, { recursive: true, force: true });

// ---- 7. report ----
let sqliteVersion = '?';
try {
  sqliteVersion = execSync(
    `${process.execPath} -e "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"`,
    { cwd: join(root, 'packages/server'), encoding: 'utf8' },
  ).trim();
} catch {
  /* informational */
}
let commit = '?';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim();
} catch {
  /* not a checkout */
}
const report = {
  at: new Date().toISOString(),
  commit,
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    loadAtStart: startLoad,
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model,
    memGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    sqlite: sqliteVersion,
    platform: `${process.platform}-${process.arch}`,
  },
  dataset: {
    scale: SCALE,
    seed: SEED,
    counts: seedInfo.counts,
    orgs: seedInfo.orgs.map((o) => ({ name: o.name, cases: o.cases })),
    seeding: { ...seedInfo.timings, cached: seedInfo.cached },
  },
  startup: { readyMs, runs: starts },
  memory: mem,
  ...results,
};
const goals = [
  ['case list p95 (ms)', results.list?.p95, GOALS.listP95],
  ['observable search p95 (ms)', results.search?.p95, GOALS.searchP95],
  ['RSS after runs (MB)', mem.rssMB, GOALS.rssMB],
  ['ready (ms)', readyMs, GOALS.readyMs],
];
report.goals = goals.map(([what, value, goal]) => ({ what, value: value ?? null, goal, met: value !== undefined && value < goal }));
mkdirSync(join(benchDir, 'results'), { recursive: true });
writeFileSync(join(benchDir, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(benchDir, 'results', `${report.at.replace(/[:.]/g, '-')}-s${SCALE}.json`), `${JSON.stringify(report, null, 2)}\n`);

const line = (cells, widths) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
const rows = results.scenarios.map((s) => [s.name, s.concurrency, s.requests, s.p50, s.p95, s.p99, s.rps, s.errors, s.load1]);
const head = ['scenario', 'conn', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'errors', 'load'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
console.log(
  `\nWaggle core benchmark — scale ${SCALE} (${seedInfo.counts.cases} cases, ${seedInfo.counts.observables} observables, ${seedInfo.counts.tasks} tasks), ${report.machine.nproc} cores, node ${process.version}, SQLite ${sqliteVersion}\n`,
);
console.log(line(head, widths));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r, widths));
console.log('');
for (const g of report.goals) console.log(`${g.met ? 'MET ' : 'MISS'}  ${g.what}: ${g.value} (goal < ${g.goal})`);
console.log(
  `start-up runs: ${starts.map((s) => `${s.readyMs} ms`).join(', ')}; seeding: ${(seedInfo.timings.totalMs / 1000).toFixed(1)} s (${seedInfo.timings.docsPerSecond} docs/s${seedInfo.cached ? ', cached' : ''})`,
);
console.log(`results: bench/results/latest.json`);
if (cli['cpu-prof']) console.log(`CPU profile: ${profDir}`);
