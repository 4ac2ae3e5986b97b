/**
 * Analysis engine benchmark (issue 4): engine overhead per job with a trivial analyzer process,
 * throughput of 1,000 queued jobs at the default concurrency, and cache-hit latency.
 *
 *   node --import tsx bench/analysis.ts [--jobs 1000] [--seq 200] [--hits 2000]
 *
 * Runs an in-process Waggle (SQLite, synchronous=FULL as in production) on a temporary data dir.
 * Overhead = mean time of a job (run() -> Success, one at a time) minus the mean time of the bare
 * process (same command, same job directory layout, spawned by the same ProcessRunner).
 * Writes bench/results/analysis-latest.json and prints a table.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../packages/server/src/config/config.js';
import { createWaggle } from '../packages/server/src/server.js';
import { ChildProcessRunner } from '../packages/server/src/analysis/process-runner.js';
import type { Actor } from '../packages/server/src/services/actor.js';

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '1000' }, seq: { type: 'string', default: '200' }, hits: { type: 'string', default: '2000' } },
});
const JOBS = Number(values.jobs);
const SEQ = Number(values.seq);
const HITS = Number(values.hits);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const r2 = (n: number): number => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'waggle-bench-analysis-'));
  const analyzers = join(dir, 'analyzers');
  mkdirSync(join(analyzers, 'Trivial'), { recursive: true });
  const script = join(analyzers, 'Trivial', 'trivial.sh');
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '{"success":true,"full":{"ok":true},"summary":{"taxonomies":[{"level":"info","namespace":"T","predicate":"P","value":1}]}}' > "$1/output/output.json"\n`,
  );
  chmodSync(script, 0o755);
  writeFileSync(
    join(analyzers, 'Trivial', 'Trivial.json'),
    JSON.stringify({
      name: 'Trivial',
      version: '1.0',
      author: 'bench',
      url: '',
      license: 'AGPL-V3',
      description: 'trivial',
      dataTypeList: ['other'],
      command: 'Trivial/trivial.sh',
    }),
  );
  const config = loadConfig(
    {
      WAGGLE_MODE: 'test',
      WAGGLE_DATA_DIR: join(dir, 'data'),
      WAGGLE_ADMIN_PASSWORD: 'secret',
      WAGGLE_LOG_LEVEL: 'error',
      ...(process.env.BENCH_SQLITE_SYNC ? { WAGGLE_SQLITE_SYNCHRONOUS: process.env.BENCH_SQLITE_SYNC } : {}),
      WAGGLE_ANALYZER_FOLDERS: analyzers,
      WAGGLE_ANALYSIS_JOB_DIRECTORY: join(dir, 'jobs'),
    },
    dir,
  );
  const w = await createWaggle(config, { logger: false });
  const engine = w.services.analysis!;
  const admin = await w.services.users.findByLogin('admin@thehive.local');
  const orgActor = await w.services.auth.actorFor(admin!, undefined, 'basic', 'bench');
  const orgDoc = await w.services.orgs.create(orgActor, { name: 'bench', description: 'bench' });
  const actor: Actor = { ...orgActor, orgId: orgDoc._id, orgName: 'bench', inAdminOrg: false, permissions: new Set(['manageAnalyse', 'manageUser']) };
  const worker = await engine.enable(actor, 'analyzer', 'Trivial_1_0', { name: 'Trivial' });
  const def = engine.catalog.get('analyzer', 'Trivial_1_0')!;

  // bare process: same runner, same job directory layout
  const runner = new ChildProcessRunner();
  const bare: number[] = [];
  for (let i = 0; i < SEQ; i++) {
    const jd = join(dir, 'bare', String(i));
    mkdirSync(join(jd, 'input'), { recursive: true });
    mkdirSync(join(jd, 'output'));
    writeFileSync(join(jd, 'input', 'input.json'), '{"data":"x","dataType":"other"}');
    const t0 = performance.now();
    await runner.run({ command: def.command!, args: [jd], cwd: def.root });
    bare.push(performance.now() - t0);
  }

  // one job at a time through the engine
  const seq: number[] = [];
  for (let i = 0; i < SEQ; i++) {
    const t0 = performance.now();
    const { job } = await engine.run(actor, 'analyzer', worker._id, { data: `seq-${i}`, dataType: 'other' });
    const done = await engine.waitJob(actor, job._id, 60_000);
    seq.push(performance.now() - t0);
    if (done.status !== 'Success') throw new Error(`job ${job._id} ended ${String(done.status)}`);
  }

  // 1,000 queued jobs at the default concurrency
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) ids.push((await engine.run(actor, 'analyzer', worker._id, { data: `q-${i}`, dataType: 'other' })).job._id);
  const queuedIn = performance.now() - t0;
  await engine.idle();
  const total = performance.now() - t0;
  const statuses = await engine.jobStatuses(actor, ids);
  const ok = Object.values(statuses).filter((s) => s === 'Success').length;

  // cache hits (service call, and the same through the Cortex HTTP API in-process)
  const hits: number[] = [];
  for (let i = 0; i < HITS; i++) {
    const s = performance.now();
    const r = await engine.run(actor, 'analyzer', worker._id, { data: 'seq-0', dataType: 'other' });
    hits.push(performance.now() - s);
    if (!r.fromCache) throw new Error('expected a cache hit');
  }

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    config: {
      concurrency: config.analysis.concurrency,
      sqliteSynchronous: config.storage.sqlite.synchronous,
      jobs: JOBS,
      sequentialJobs: SEQ,
      cacheHits: HITS,
    },
    bareProcessMs: { mean: r2(mean(bare)), p50: r2(pct(bare, 50)), p95: r2(pct(bare, 95)) },
    jobMs: { mean: r2(mean(seq)), p50: r2(pct(seq, 50)), p95: r2(pct(seq, 95)) },
    overheadPerJobMs: { mean: r2(mean(seq) - mean(bare)), p50: r2(pct(seq, 50) - pct(bare, 50)) },
    queued: { jobs: JOBS, succeeded: ok, enqueueMs: r2(queuedIn), totalMs: r2(total), jobsPerSecond: r2((JOBS / total) * 1000) },
    cacheHitMs: { mean: r2(mean(hits)), p50: r2(pct(hits, 50)), p95: r2(pct(hits, 95)), p99: r2(pct(hits, 99)) },
    goals: { overheadUnder20ms: mean(seq) - mean(bare) < 20, cacheHitUnder5ms: pct(hits, 95) < 5 },
  };
  await w.close();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/analysis-latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  const rows: Array<[string, string]> = [
    ['bare process (sh, mean / p95)', `${result.bareProcessMs.mean} / ${result.bareProcessMs.p95} ms`],
    ['job through the engine (mean / p95)', `${result.jobMs.mean} / ${result.jobMs.p95} ms`],
    ['engine overhead per job (mean)', `${result.overheadPerJobMs.mean} ms (goal < 20)`],
    [`${JOBS} queued jobs, concurrency ${config.analysis.concurrency}`, `${result.queued.totalMs} ms, ${result.queued.jobsPerSecond} jobs/s, ${ok} Success`],
    ['cache hit (mean / p95 / p99)', `${result.cacheHitMs.mean} / ${result.cacheHitMs.p95} / ${result.cacheHitMs.p99} ms (goal < 5)`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(44)} ${v}\n`);
}

void main();
