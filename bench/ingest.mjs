#!/usr/bin/env node
// The alert ingestion benchmark (issue 3). See docs/benchmarks.md.
//
//   node bench/ingest.mjs                      # 60 s, 32 clients, 20 observables per alert, on the 1M-observable seed
//   node bench/ingest.mjs --scale 0.01 --seconds 10   # smoke run
//   node bench/ingest.mjs --cpu-prof /tmp/prof          # also CPU profiles of the server's threads
//
// In one run, on a copy of the seeded store (bench/seed.ts, cached):
//  1. HTTP limit: the same server answering a bare authenticated POST of the same payload
//     (POST /api/v1/_bench/noop, WAGGLE_BENCH_ENDPOINTS=1), 32 clients;
//  2. ingestion: POST /api/v1/alert with 20 observables, 32 clients, for --seconds;
//  3. similarity: an alert with 50 observables overlapping the store, getAlert + similarCases, p95;
//  4. storage limit (server stopped): bench/ingest-store.ts, the EntityStore port inserting the
//     same alerts in batches with no HTTP;
// then prints the ratios against the goals and writes bench/results/ingest-latest.json.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import http from 'node:http';
import { ensureSeed } from './lib/seed-cache.mjs';
import { freePort, rssOf, startBuiltServer } from './lib/server.mjs';
import { runFor } from './lib/load-for.mjs';
import { runLoad, request } from './lib/load.mjs';
import { alertPayload } from './lib/alert-payload.mjs';
import { cpuDelta, perAlert, readRoles, readWriterGroups, snapshot } from './lib/proc-cpu.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values: cli } = parseArgs({
  options: {
    scale: { type: 'string', default: process.env.BENCH_SCALE ?? '1' },
    seed: { type: 'string', default: '42' },
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '32' },
    observables: { type: 'string', default: '20' },
    'skip-build': { type: 'boolean', default: false },
    reseed: { type: 'boolean', default: false },
    /** Writes CPU profiles of the server's threads (main, SQLite writer, checkpointer) into this directory. */
    'cpu-prof': { type: 'string' },
    /** Extra flags for the server's node (repeatable), e.g. --node-arg=--max-semi-space-size=32: to try V8 settings. */
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const SECONDS = Number(cli.seconds);
const CLIENTS = Number(cli.clients);
const OBS = Number(cli.observables);
const GOALS = { alertsPerSecond: 2000, p99: 100, ratio: 0.5, similarityP95: 50 };
const log = (m) => process.stderr.write(`${m}\n`);

// other processes share the 2 cores of the development VM: the load average goes with the figures
const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
if (!cli['skip-build']) {
  log('building the server');
  const r = spawnSync('npm', ['run', 'build', '-w', '@waggle/server'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const seeded = ensureSeed(root, { scale: Number(cli.scale), seed: Number(cli.seed), reseed: cli.reseed, log });
const runDir = join(root, 'bench', '.data', 'ingest-run');
rmSync(runDir, { recursive: true, force: true });
cpSync(seeded.dir, runDir, { recursive: true });

const port = await freePort();
// the SQLite writer and checkpointer threads write "role tid" here, to tell them apart in /proc
const threadsFile = join(runDir, 'threads.txt');
const server = await startBuiltServer(root, {
  dataDir: runDir,
  port,
  adminPassword: seeded.info.bench.adminPassword,
  env: { WAGGLE_BENCH_ENDPOINTS: '1', WAGGLE_BENCH_THREADS_FILE: threadsFile },
  nodeArgs: [...cli['node-arg'], ...(cli['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', cli['cpu-prof']] : [])],
});
log(`server ready in ${Math.round(server.readyMs)} ms`);
const target = { host: '127.0.0.1', port };
const headers = { authorization: `Bearer ${seeded.info.bench.apiKey}` };
/**
 * CPU per request over a measured phase, independent of the machine's load: the server's
 * threads (main, SQLite writer, checkpointer, others) from /proc, the load generator (this
 * process) from process.cpuUsage(), and the server's bytes written.
 */
const cpuMeter = () => {
  let before;
  let client;
  return (when, requests) => {
    if (when === 'start') {
      before = snapshot(server.child.pid);
      client = process.cpuUsage();
      return undefined;
    }
    const c = process.cpuUsage(client);
    const delta = cpuDelta(server.child.pid, before, snapshot(server.child.pid), readRoles(threadsFile));
    return { cpuPerRequest: perAlert(delta, Math.max(1, requests), c.user + c.system), busiestOtherThreads: delta.others.slice(0, 4) };
  };
};
const payloadBytes = Buffer.byteLength(JSON.stringify(alertPayload('x'.repeat(12), OBS, 1)));

log(`1/4 HTTP limit: bare POST of the same ${payloadBytes}-byte payload, ${CLIENTS} clients, ${Math.min(SECONDS, 20)} s`);
const httpLimit = await runFor({
  name: 'bare POST (no storage)',
  target,
  concurrency: CLIENTS,
  seconds: Math.min(SECONDS, 20),
  make: (i) => ({ method: 'POST', path: '/api/v1/_bench/noop', headers, body: alertPayload(`noop-${i}`, OBS, i) }),
  onMeasure: cpuMeter(),
});

log(`2/4 ingestion: POST /api/v1/alert with ${OBS} observables, ${CLIENTS} clients, ${SECONDS} s`);
const runId = Date.now().toString(36);
const ingest = await runFor({
  name: `alert create (${OBS} observables)`,
  target,
  concurrency: CLIENTS,
  seconds: SECONDS,
  make: (i) => ({ method: 'POST', path: '/api/v1/alert', headers, body: alertPayload(`${runId}-${i}`, OBS, i) }),
  onMeasure: cpuMeter(),
  check: (res) => {
    if (res.status !== 201) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  },
});
const rss = rssOf(server.child.pid);

log('3/4 similarity: alert with 50 observables overlapping the store');
const agent = new http.Agent({ keepAlive: true });
const sim = alertPayload(`${runId}-similar`, 50, 7);
// half of its observables are values the seed put in cases
sim.observables = sim.observables.map((o, i) =>
  i % 2 === 0 && seeded.info.observableSamples?.[i] ? { dataType: seeded.info.observableSamples[i].dataType, data: seeded.info.observableSamples[i].data } : o,
);
const seen = new Set();
sim.observables = sim.observables.filter((o) => !seen.has(`${o.dataType}|${o.data}`) && seen.add(`${o.dataType}|${o.data}`));
const created = await request(agent, target, { method: 'POST', path: '/api/v1/alert', headers, body: sim });
if (created.status !== 201) throw new Error(`similarity alert: HTTP ${created.status} ${created.body}`);
const alertId = JSON.parse(created.body)._id;
// the alert with its similar cases, as the UI's preview asks for it
const similarityRequest = {
  method: 'POST',
  path: '/api/v1/query',
  headers,
  body: {
    query: [
      { _name: 'getAlert', idOrName: alertId },
      { _name: 'page', from: 0, to: 1, extraData: ['similarCases'] },
    ],
  },
};
const similarity = await runLoad({
  name: `similar cases of an alert with ${sim.observables.length} observables`,
  target,
  concurrency: 1,
  requests: 300,
  warmup: 20,
  make: () => similarityRequest,
});
const probe = await request(agent, target, similarityRequest);
const similarCases = JSON.parse(probe.body)[0]?.extraData?.similarCases?.length ?? 0;
agent.destroy();
await server.stop();
// write requests per group commit over the server's whole run (mostly the ingestion phase)
const writerGroups = readWriterGroups(threadsFile);

log(`4/4 storage limit: EntityStore batches, no HTTP (${Math.min(SECONDS, 20)} s per mode)`);
const st = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    'bench/ingest-store.ts',
    '--dir',
    runDir,
    '--org',
    seeded.info.bench.orgId,
    '--seconds',
    String(Math.min(SECONDS, 20)),
    '--observables',
    String(OBS),
  ],
  { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
if (st.status !== 0) throw new Error(`ingest-store failed: ${st.stderr}`);
const storage = JSON.parse(st.stdout.trim().split('\n').pop());
const storageLimit = Math.max(storage.batch.alertsPerSecond, storage.inflight.alertsPerSecond);
const lower = Math.min(httpLimit.rps, storageLimit);
const ratio = ingest.rps / lower;

const goals = [
  { what: 'sustained alerts/s', value: ingest.rps, goal: `>= ${GOALS.alertsPerSecond}`, met: ingest.rps >= GOALS.alertsPerSecond },
  { what: 'alert create p99 (ms)', value: ingest.p99, goal: `< ${GOALS.p99}`, met: ingest.p99 < GOALS.p99 },
  { what: 'ratio to the lower limit', value: Math.round(ratio * 1000) / 1000, goal: `>= ${GOALS.ratio}`, met: ratio >= GOALS.ratio },
  { what: 'similarity p95 (ms)', value: similarity.p95, goal: `< ${GOALS.similarityP95}`, met: similarity.p95 < GOALS.similarityP95 },
];
const result = {
  at: new Date().toISOString(),
  command: `node bench/ingest.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { nproc: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version },
  loadAverage: { before: loadBefore, after: loadavg().map((x) => Math.round(x * 100) / 100) },
  dataset: { seed: seeded.key, counts: seeded.info.counts },
  payloadBytes,
  httpLimit,
  ingest,
  storage,
  storageLimit,
  similarity: { ...similarity, similarCases },
  rss,
  writerGroups,
  goals,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'ingest-latest.json'), JSON.stringify(result, null, 1));
console.log('\nscenario                               req/s    p50     p95     p99   errors');
for (const s of [httpLimit, ingest, similarity])
  console.log(
    `${s.name.padEnd(38)} ${String(s.rps).padStart(7)} ${String(s.p50).padStart(6)} ${String(s.p95).padStart(7)} ${String(s.p99).padStart(7)} ${s.errors}`,
  );
console.log(
  `storage limit: ${storage.batch.alertsPerSecond}/s (${storage.batch.alertsPerBatch} alerts per batch), ${storage.inflight.alertsPerSecond}/s (${storage.inflight.inflight} single-alert batches in flight)`,
);
const cpuLine = (label, m) => {
  if (!m) return;
  const c = m.cpuPerRequest;
  const parts = Object.entries(c.serverUs).map(([k, v]) => `${k} ${v}`);
  console.log(
    `CPU µs per request, ${label}: server ${parts.join(', ')}; load generator ${c.loadGeneratorUs}; total ${c.totalUs}` +
      (c.writeBytes !== undefined ? `; server wrote ${Math.round(c.writeBytes / 1024)} kB in ${c.writeCalls} write calls` : ''),
  );
};
cpuLine('bare POST', httpLimit.measured);
cpuLine('alert create', ingest.measured);
if (writerGroups)
  console.log(
    `SQLite writer: ${writerGroups.requests} requests in ${writerGroups.groups} group commits (${writerGroups.perGroup} per group), ${writerGroups.fsyncs ?? '?'} fsyncs of the WAL`,
  );
if (storage.cpuPerAlert) console.log(`CPU µs per alert, storage limit (32 in flight): ${JSON.stringify(storage.cpuPerAlert)}`);
console.log(`load average (1, 5, 15 min) before ${loadBefore.join(' ')}, after ${result.loadAverage.after.join(' ')} on ${cpus().length} cores`);
console.log(`ingestion / lower limit (${Math.round(lower)}/s): ${(ratio * 100).toFixed(1)}%; server RSS ${rss.rssMB} MB; similar cases found: ${similarCases}`);
for (const g of goals) console.log(`${g.met ? 'met ' : 'MISS'}  ${g.what}: ${g.value} (goal ${g.goal})`);
