/**
 * Dashboards (issue 6): every widget of the default dashboards over 1,000,000 alerts and
 * 100,000 cases (plus observables and analyzer jobs), embedded: the widget query as the
 * service builds it (visibility of an analyst of the biggest organisation, period, filter,
 * aggregation) run on the EntityStore port, no HTTP. Goal: p95 < 200 ms per widget.
 *
 *   node --import tsx bench/dashboards.ts [--alerts 1000000] [--cases 100000] [--observables 100000]
 *     [--jobs 20000] [--runs 20] [--reseed] [--out bench/results/dashboards-latest.json]
 *
 * The data is seeded once through the EntityStore port in batches of 1,000 (two organisations,
 * 90% / 10%, dated over the year before the seed) and cached under
 * `bench/.data/dash-<key>`, the key covering the counts and the sources that shape the stored
 * data (the seed function, the registry, the SQLite schema and adapter). Widgets are timed at the seed's
 * "now", so relative periods (last 30 days) cover the same rows at every run.
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { SqliteEntityStore } from '../packages/server/src/storage/sqlite/sqlite-entity-store.js';
import type { BatchOp, NewDoc } from '../packages/server/src/storage/entity-store.js';
import { DEFAULT_DASHBOARDS } from '../packages/server/src/services/default-dashboards.js';
import { compileWidgetQuery } from '../packages/server/src/services/dashboard-definition.js';
import { visibleTo } from '../packages/server/src/services/policy.js';
import type { Actor } from '../packages/server/src/services/actor.js';
import { q } from '../packages/server/src/query/ir.js';
import { expandPermissions, BUILTIN_PROFILES } from '../packages/server/src/auth/permissions.js';

const { values: args } = parseArgs({
  options: {
    alerts: { type: 'string', default: '1000000' },
    cases: { type: 'string', default: '100000' },
    observables: { type: 'string', default: '100000' },
    jobs: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '20' },
    reseed: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/dashboards-latest.json' },
  },
});

const root = resolve(new URL('..', import.meta.url).pathname);
const N = { alerts: Number(args.alerts), cases: Number(args.cases), observables: Number(args.observables), jobs: Number(args.jobs) };
const RUNS = Number(args.runs);
const DAY = 86_400_000;
const ORG_A = '~org-a';
const ORG_B = '~org-b';

// ---- deterministic randomness (mulberry32) ----
let rng = 6;
function rand(): number {
  rng = (rng + 0x6d2b79f5) >>> 0;
  let t = rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const zipf = (n: number, k = 5): number => Math.min(n - 1, Math.floor(k * Math.pow((n + k) / k, rand())) - k);
const tagsOf = (pool: readonly string[], max: number): string[] => [...new Set(Array.from({ length: int(max + 1) }, () => pool[zipf(pool.length)]))];

const ALERT_TYPES = ['misp', 'splunk', 'qradar', 'edr', 'email', 'ids', 'sentinel', 'user-report'];
const SOURCES = Array.from({ length: 40 }, (_, i) => `feed-${i}`);
const TAGS = Array.from({ length: 60 }, (_, i) => `tag-${i}`);
const USERS = Array.from({ length: 20 }, (_, i) => `analyst${i}@org-a`);
const CLOSED = ['TruePositive', 'FalsePositive', 'Duplicated', 'Indeterminate', 'Other'];
const OBS_TYPES = ['ip', 'domain', 'hash', 'url', 'mail', 'fqdn', 'filename', 'other'];
const ANALYZERS = Array.from({ length: 25 }, (_, i) => `Analyzer_${i}`);

function cacheKey(): string {
  const shaping = [
    seed.toString(),
    ...[
      'packages/server/src/entities/registry.ts',
      'packages/server/src/storage/sqlite/schema.ts',
      'packages/server/src/storage/sqlite/sqlite-entity-store.ts',
    ].map((f) => readFileSync(join(root, f), 'utf8')),
  ].join('\0');
  const h = createHash('sha256')
    .update(`${JSON.stringify(N)}\0${shaping}`)
    .digest('hex')
    .slice(0, 10);
  return `dash-a${N.alerts}-c${N.cases}-${h}`;
}

async function seed(dir: string): Promise<{ now: number; seedSeconds: number }> {
  mkdirSync(dir, { recursive: true });
  const store = new SqliteEntityStore({ path: join(dir, 'waggle.db'), synchronous: 'NORMAL' });
  await store.init();
  const now = Date.UTC(2026, 10, 1);
  const started = Date.now();
  const sys = (type: string, at: number, org: string, parents: Record<string, string> = {}): NewDoc => ({
    _id: store.newId(),
    _type: type,
    _createdAt: at,
    _createdBy: 'bench@seed',
    _orgs: [org],
    _parents: parents,
  });
  const org = (): string => (rand() < 0.9 ? ORG_A : ORG_B);
  // creation dates in insertion order, as in a live instance (more recent data is denser)
  const dates = (n: number): number[] => Array.from({ length: n }, () => now - Math.floor(Math.pow(rand(), 1.5) * 365 * DAY)).sort((x, y) => x - y);
  let clock: number[] = [];
  const when = (): number => clock.pop()!;
  let ops: BatchOp[] = [];
  const push = async (doc: NewDoc): Promise<void> => {
    ops.push({ op: 'insert', doc });
    if (ops.length >= 1000) {
      await store.batch(ops);
      ops = [];
    }
  };
  const caseIds: string[] = [];
  clock = dates(N.cases).reverse();
  for (let i = 0; i < N.cases; i++) {
    const at = when();
    const r = rand();
    const status = r < 0.15 ? 'New' : r < 0.35 ? 'InProgress' : pick(CLOSED);
    const stage = status === 'New' ? 'New' : status === 'InProgress' ? 'InProgress' : 'Closed';
    const d = sys('case', at, org());
    caseIds.push(d._id);
    await push({
      ...d,
      number: i + 1,
      owningOrganisation: d._orgs[0],
      title: `case ${i}`,
      description: 'bench',
      severity: 1 + int(4),
      startDate: at,
      ...(stage === 'Closed'
        ? { endDate: at + int(20 * DAY), closedDate: at + int(20 * DAY), impactStatus: pick(['NoImpact', 'WithImpact', 'NotApplicable']) }
        : {}),
      tags: tagsOf(TAGS, 3),
      flag: rand() < 0.1,
      tlp: 2,
      pap: 2,
      status,
      stage,
      ...(rand() < 0.8 ? { assignee: USERS[zipf(USERS.length)] } : {}),
      customFields: [],
      timeToDetect: 0,
    });
  }
  clock = dates(N.alerts).reverse();
  for (let i = 0; i < N.alerts; i++) {
    const at = when();
    const r = rand();
    const stage = r < 0.5 ? 'New' : r < 0.6 ? 'InProgress' : 'Closed';
    await push({
      ...sys('alert', at, org()),
      type: ALERT_TYPES[zipf(ALERT_TYPES.length, 2)],
      source: SOURCES[zipf(SOURCES.length)],
      sourceRef: `ref-${i}`,
      title: `alert ${i}`,
      description: 'bench',
      severity: 1 + int(4),
      date: at - int(3600_000),
      tags: tagsOf(TAGS, 3),
      tlp: 2,
      pap: 2,
      status: stage === 'New' ? 'New' : stage === 'InProgress' ? 'InProgress' : pick(['Imported', 'Ignored', 'Duplicated']),
      stage,
      follow: true,
      read: false,
      observableCount: 0,
      timeToDetect: int(3600_000),
    });
  }
  clock = dates(N.observables).reverse();
  for (let i = 0; i < N.observables; i++) {
    const c = caseIds[int(caseIds.length)];
    const at = when();
    await push({
      ...sys('observable', at, rand() < 0.9 ? ORG_A : ORG_B, { case: c }),
      dataType: OBS_TYPES[zipf(OBS_TYPES.length, 2)],
      data: `obs-${i}`,
      message: '',
      startDate: at,
      tlp: 2,
      pap: 2,
      tags: tagsOf(TAGS, 2),
      ioc: rand() < 0.2,
      sighted: rand() < 0.1,
      ignoreSimilarity: false,
    });
  }
  clock = dates(N.jobs).reverse();
  for (let i = 0; i < N.jobs; i++) {
    const at = when();
    const name = ANALYZERS[zipf(ANALYZERS.length)];
    await push({
      ...sys('analyzerJob', at, org(), { case: caseIds[int(caseIds.length)] }),
      analyzerId: name,
      analyzerName: name,
      cortexId: 'local',
      cortexJobId: `job-${i}`,
      status: rand() < 0.95 ? 'Success' : 'Failure',
      startDate: at,
      endDate: at + int(60_000),
    });
  }
  if (ops.length) await store.batch(ops);
  store.analyze();
  await store.close();
  return { now, seedSeconds: (Date.now() - started) / 1000 };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main(): Promise<void> {
  const key = cacheKey();
  const dir = join(root, 'bench', '.data', key);
  if (args.reseed || !existsSync(join(dir, 'bench.json'))) {
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`seeding ${key} ...\n`);
    const info = await seed(tmp);
    writeFileSync(join(tmp, 'bench.json'), JSON.stringify(info));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  const info = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as { now: number; seedSeconds: number };
  const store = new SqliteEntityStore({ path: join(dir, 'waggle.db') });
  await store.init();
  const analyst = BUILTIN_PROFILES.find((p) => p.name === 'analyst')!;
  const actor: Actor = {
    userId: '~bench',
    login: USERS[0],
    name: 'bench',
    orgId: ORG_A,
    orgName: 'org-a',
    profile: 'analyst',
    permissions: expandPermissions(analyst.permissions),
    inAdminOrg: false,
    platformPermissions: new Set(),
    via: 'key',
    requestId: 'bench',
  };
  const limits = { maxDepth: 32, maxPageSize: 1000 };
  const rows: Array<{ dashboard: string; widget: string; entity: string; p50: number; p95: number; max: number; runs: number; ok: boolean }> = [];
  for (const d of DEFAULT_DASHBOARDS) {
    for (const [i, w] of d.definition.widgets.entries()) {
      if (w.type === 'text') continue;
      const wq = compileWidgetQuery(w as unknown as Record<string, unknown>, `widgets[${i}]`, limits, info.now, d.definition);
      const run = async (): Promise<number> => {
        const t0 = performance.now();
        const r = await store.query({ entity: wq.entity, where: q.and(visibleTo(actor), wq.where), sort: [], output: { kind: 'aggregate', aggs: [wq.agg] } });
        if (r.kind !== 'aggregate') throw new Error('no aggregate result');
        return performance.now() - t0;
      };
      await run(); // warm-up: statement preparation, page cache
      const times: number[] = [];
      for (let k = 0; k < RUNS; k++) times.push(await run());
      const row = {
        dashboard: d.key,
        widget: w.id,
        entity: wq.entity,
        p50: +pct(times, 50).toFixed(1),
        p95: +pct(times, 95).toFixed(1),
        max: +Math.max(...times).toFixed(1),
        runs: RUNS,
        ok: pct(times, 95) < 200,
      };
      rows.push(row);
      process.stdout.write(
        `${row.ok ? 'ok  ' : 'SLOW'} ${`${d.key}/${w.id}`.padEnd(28)} ${wq.entity.padEnd(12)} p50 ${String(row.p50).padStart(7)} ms  p95 ${String(row.p95).padStart(7)} ms  max ${String(row.max).padStart(7)} ms\n`,
      );
    }
  }
  await store.close();
  const result = {
    at: new Date().toISOString(),
    command: `node --import tsx bench/dashboards.ts ${process.argv.slice(2).join(' ')}`.trim(),
    data: { ...N, organisations: '90% / 10%', key },
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((x) => +x.toFixed(2)) },
    goal: 'p95 < 200 ms per widget',
    seedSeconds: info.seedSeconds,
    widgets: rows,
    allOk: rows.every((r) => r.ok),
  };
  writeFileSync(resolve(root, args.out), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${rows.filter((r) => r.ok).length}/${rows.length} widgets under 200 ms at p95; load ${result.machine.loadavg.join(' ')}\n`);
}

await main();
