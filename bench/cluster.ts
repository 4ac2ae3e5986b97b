/**
 * The cluster benchmark (issue 7, done-when 6), run by `node bench/cluster.mjs`: the 3-node
 * topology on one machine (3 Cassandra nodes at replication factor 3, OpenSearch, MinIO 3 x 2
 * drives, 3 Waggle nodes, HAProxy round-robin), everything through HAProxy:
 *  1. alert ingestion: POST /api/v1/alert, the payload of bench/ingest.mjs (20 observables),
 *     32 clients, 60 s: alerts/s and p50/p95/p99;
 *  2. query latency, one client, after the ingestion: case list first page, alert list first
 *     page, a case by id, similar cases of an alert (getAlert + similarCases, as the UI asks).
 * Prints a table with `uptime` before and after, and writes bench/results/cluster-latest.json.
 * Engines already running are used as they are (scripts/engines/*.sh); the run's keyspace,
 * indexes and bucket are its own and are dropped at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import http from 'node:http';
import { ClusterHarness } from '../test/cluster/harness.js';
import { ROOT } from '../test/support/server-process.js';
import { runFor } from './lib/load-for.mjs';
import { runLoad, request } from './lib/load.mjs';
import { alertPayload } from './lib/alert-payload.mjs';

const { values: cli } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '32' },
    observables: { type: 'string', default: '20' },
    queries: { type: 'string', default: '200' },
    cases: { type: 'string', default: '200' },
  },
});
const SECONDS = Number(cli.seconds);
const CLIENTS = Number(cli.clients);
const OBS = Number(cli.observables);
const QUERIES = Number(cli.queries);
const CASES = Number(cli.cases);
const log = (m: string): void => void process.stderr.write(`${m}\n`);
const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

const upBefore = uptime();
log(`uptime before: ${upBefore}`);
log('starting the topology: 3 Cassandra nodes (RF 3), OpenSearch, MinIO 3 x 2 drives, 3 Waggle nodes, HAProxy');
const h = await ClusterHarness.start({ cassandra: 3, opensearch: true, minio: 'distributed', nodes: 3 });
try {
  const port = Number(new URL(h.url).port);
  const target = { host: '127.0.0.1', port };
  const agent = new http.Agent({ keepAlive: true });
  // set-up requests: a 5xx (a Cassandra timeout on this loaded machine) is tried again, twice at most
  const call = async (req: Req, attempt = 0): Promise<Record<string, unknown> & { _id?: string }> => {
    const r = await request(agent, target, req);
    if (r.status >= 500 && attempt < 2) return call(req, attempt + 1);
    if (r.status < 200 || r.status >= 300) throw new Error(`${req.method} ${req.path}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    return r.body ? JSON.parse(r.body) : {};
  };
  // an organisation, an analyst and its API key (Basic authentication would hash a password per request)
  const admin = { authorization: `Basic ${Buffer.from('admin@thehive.local:secret').toString('base64')}` };
  await call({ method: 'POST', path: '/api/v1/organisation', headers: admin, body: { name: 'bench', description: 'cluster benchmark' } });
  const user = await call({
    method: 'POST',
    path: '/api/v1/user',
    headers: admin,
    body: { login: 'bench@bench', name: 'bench', profile: 'analyst', organisation: 'bench', password: 'secret' },
  });
  const keyRes = await request(agent, target, { method: 'POST', path: `/api/v1/user/${user._id}/key/renew`, headers: admin });
  if (keyRes.status !== 200) throw new Error(`API key: HTTP ${keyRes.status} ${keyRes.body}`);
  const headers = { authorization: `Bearer ${keyRes.body.trim()}`, 'x-organisation': 'bench' };

  // cases with observables that the ingested alerts share (for the case list and similar cases)
  log(`seeding ${CASES} cases with 4 observables each`);
  let caseId = '';
  for (let i = 0; i < CASES; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, CASES - i) }, async (_, k) => {
        const n = i + k;
        const c = await call({ method: 'POST', path: '/api/v1/case', headers, body: { title: `bench case ${n}`, description: 'cluster benchmark' } });
        caseId ||= String(c._id);
        const obs = alertPayload(`case-${n}`, 4, n).observables;
        await call({ method: 'POST', path: `/api/v1/case/${c._id}/observable`, headers, body: { dataType: obs[0].dataType, data: obs.map((o) => o.data) } });
      }),
    );
  }

  log(`1/2 ingestion: POST /api/v1/alert with ${OBS} observables, ${CLIENTS} clients, ${SECONDS} s through HAProxy`);
  const runId = Date.now().toString(36);
  const ingest = await runFor({
    name: `alert create (${OBS} observables)`,
    target,
    concurrency: CLIENTS,
    seconds: SECONDS,
    make: (i: number) => ({ method: 'POST', path: '/api/v1/alert', headers, body: alertPayload(`${runId}-${i}`, OBS, i) }),
    check: (res: { status: number; body: string }) => {
      if (res.status !== 201) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    },
  });
  const upAfterIngest = uptime();

  log(`2/2 queries through HAProxy: ${QUERIES} each, one client`);
  const sim = alertPayload(`${runId}-similar`, 20, 3);
  sim.observables = sim.observables.map((o, i) => (i < 4 ? alertPayload('case-3', 4, 3).observables[i] : o));
  const alert = await call({ method: 'POST', path: '/api/v1/alert', headers, body: sim });
  const list = (name: string): Req => ({
    method: 'POST',
    path: '/api/v1/query',
    headers,
    body: { query: [{ _name: name }, { _name: 'sort', _fields: [{ _createdAt: 'desc' }] }, { _name: 'page', from: 0, to: 15 }] },
  });
  const similar: Req = {
    method: 'POST',
    path: '/api/v1/query',
    headers,
    body: {
      query: [
        { _name: 'getAlert', idOrName: alert._id },
        { _name: 'page', from: 0, to: 1, extraData: ['similarCases'] },
      ],
    },
  };
  const scenarios: Array<[string, Req]> = [
    ['case list, first page (15)', list('listCase')],
    ['alert list, first page (15)', list('listAlert')],
    ['a case by id', { method: 'GET', path: `/api/v1/case/${caseId}`, headers }],
    ['similar cases of an alert', similar],
  ];
  const queries = [];
  for (const [name, req] of scenarios) {
    queries.push(await runLoad({ name, target, concurrency: 1, requests: QUERIES, warmup: 10, make: () => req, check: undefined }));
  }
  const probe = JSON.parse((await request(agent, target, similar)).body) as Array<{ extraData?: { similarCases?: unknown[] } }>;
  const similarCases = probe[0]?.extraData?.similarCases?.length ?? 0;
  agent.destroy();
  const upAfter = uptime();

  const result = {
    at: new Date().toISOString(),
    command: `node bench/cluster.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { nproc: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version },
    topology:
      '3 Cassandra 5.0.8 nodes (RF 3, LOCAL_QUORUM), OpenSearch 2.19.5 (1 node), MinIO 3 servers x 2 drives, 3 Waggle nodes, HAProxy round-robin; all on this machine',
    uptime: { before: upBefore, afterIngest: upAfterIngest, after: upAfter },
    ingest,
    queries,
    similarCases,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'cluster-latest.json'), JSON.stringify(result, null, 1));
  console.log('\nscenario (through HAProxy)             req/s    p50     p95     p99   errors');
  for (const s of [ingest, ...queries]) {
    console.log(
      `${s.name.padEnd(38)} ${String(s.rps).padStart(7)} ${String(s.p50).padStart(6)} ${String(s.p95).padStart(7)} ${String(s.p99).padStart(7)} ${s.errors}`,
    );
  }
  if (ingest.firstError) console.log(`first ingestion error: ${ingest.firstError}`);
  console.log(`similar cases found: ${similarCases}`);
  console.log(`uptime before:          ${upBefore}\nuptime after ingestion: ${upAfterIngest}\nuptime after:           ${upAfter}`);
} finally {
  await h.stop();
}
