/**
 * Diagnostics for the benchmark queries at the storage level (no HTTP): prints the SQLite
 * plan (SqliteEntityStore.explain) and the time of each query of the mix, run as the
 * benchmark user's organisation (same visibility IR as the query service builds).
 *
 *   node --import tsx bench/explain.ts --dir <a COPY of a seeded data dir> [--runs 20] [--sql]
 *
 * It opens the store read-write (the adapter sets WAL and may migrate), so point it at a copy.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SqliteEntityStore } from '../packages/server/src/storage/sqlite/sqlite-entity-store.js';
import { compileQuery } from '../packages/server/src/storage/sqlite/compile.js';
import { parseFilter } from '../packages/server/src/query/thehive-parser.js';
import { q, type Expr, type Query, type SortKey } from '../packages/server/src/query/ir.js';

const { values: args } = parseArgs({
  options: { dir: { type: 'string' }, runs: { type: 'string', default: '20' }, sql: { type: 'boolean', default: false }, only: { type: 'string' } },
});
if (!args.dir) throw new Error('--dir is required');
const dir = resolve(args.dir);
const info = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as {
  bench: { orgId: string; login: string };
  orgs: Array<{ name: string; users: string[] }>;
  observableSamples: Array<{ data: string }>;
  seededAt: number;
};
const DAY = 86_400_000;
const limits = { maxDepth: 32, maxPageSize: 10000 };
const f = (x: unknown): Expr => parseFilter(x, limits);
// the org-admin's visibility, as services/policy.ts visibleTo() builds it
const vis = q.visible([info.bench.orgId], [info.bench.login, `orgadmin:${info.bench.orgId}`]);
const user = info.orgs[0].users[3];
const now = info.seededAt;

const page = (from: number, n = 15) => ({ kind: 'rows' as const, from, to: from + n });
const mk = (entity: string, filter: Expr, sort: SortKey[], output: Query['output']): Query => ({ entity, where: q.and(vis, filter), sort, output });
const sample = info.observableSamples;
const QUERIES: Array<[string, () => Query]> = [
  [
    'open, -flag -startDate',
    () =>
      mk(
        'case',
        f({ _in: { _field: 'stage', _values: ['New', 'InProgress'] } }),
        [
          { field: 'flag', dir: 'desc' },
          { field: 'startDate', dir: 'desc' },
        ],
        page(0),
      ),
  ],
  [
    'assignee, not closed, -startDate',
    () =>
      mk(
        'case',
        f({ _and: [{ _eq: { _field: 'assignee', _value: user } }, { _not: { _eq: { _field: 'stage', _value: 'Closed' } } }] }),
        [{ field: 'startDate', dir: 'desc' }],
        page(0),
      ),
  ],
  [
    'sev>=3 closed 90d, -closedDate',
    () =>
      mk(
        'case',
        f({ _and: [{ _gte: { _field: 'severity', _value: 3 } }, { _between: { _field: 'closedDate', _from: now - 90 * DAY, _to: now } }] }),
        [{ field: 'closedDate', dir: 'desc' }],
        page(0),
      ),
  ],
  ['tag=phishing, -_createdAt p3', () => mk('case', f({ _eq: { _field: 'tags', _value: 'phishing' } }), [{ field: '_createdAt', dir: 'desc' }], page(30))],
  ['tag=vip, -_createdAt', () => mk('case', f({ _eq: { _field: 'tags', _value: 'vip' } }), [{ field: '_createdAt', dir: 'desc' }], page(0))],
  ['status=TruePositive, -number', () => mk('case', f({ _eq: { _field: 'status', _value: 'TruePositive' } }), [{ field: 'number', dir: 'desc' }], page(0))],
  ['status=New, -number', () => mk('case', f({ _eq: { _field: 'status', _value: 'New' } }), [{ field: 'number', dir: 'desc' }], page(0))],
  ['open count', () => mk('case', f({ _in: { _field: 'stage', _values: ['New', 'InProgress'] } }), [], { kind: 'count' })],
  [
    'obs data = sample',
    () =>
      mk(
        'observable',
        f({ _eq: { _field: 'data', _value: sample[Math.floor(Math.random() * sample.length)].data } }),
        [{ field: '_createdAt', dir: 'desc' }],
        page(0),
      ),
  ],
];

const store = new SqliteEntityStore({ path: join(dir, 'waggle.db') });
await store.init();
const runs = Number(args.runs);
for (const [name, build] of QUERIES) {
  if (args.only && !name.includes(args.only)) continue;
  const q0 = build();
  console.log(`\n== ${name}`);
  if (args.sql) console.log(compileQuery(q0).sql);
  for (const line of store.explain(q0)) console.log(`   ${line}`);
  const times: number[] = [];
  let n = 0;
  for (let i = 0; i < runs; i++) {
    const qq = build();
    const t = performance.now();
    const r = await store.query(qq);
    times.push(performance.now() - t);
    n = r.kind === 'rows' ? r.rows.length : r.kind === 'count' ? r.count : 0;
  }
  times.sort((a, b) => a - b);
  console.log(
    `   -> ${n} rows; first ${times.length ? '' : ''}median ${times[Math.floor(times.length / 2)].toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms`,
  );
}
await store.close();
