/**
 * `waggle migrate-storage` on a large embedded installation: seeds `--docs` alerts (and a tenth
 * as many cases) into a fresh SQLite data dir, then runs the real CLI (`main.ts migrate-storage
 * --from sqlite --to cluster`) under `/usr/bin/time -v` into a fresh keyspace and index prefix,
 * and prints the copy rate and the CLI process's peak memory (the copy pages through the
 * documents, so the peak must not grow with the installation). Removes what it created.
 *
 *   node --import tsx bench/migrate-storage.ts --docs 200000 --cassandra 127.0.0.1:9042 --opensearch http://127.0.0.1:9200 [--rf 3] [--batch 500]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { SqliteEntityStore } from '../packages/server/src/storage/sqlite/sqlite-entity-store.js';
import type { BatchOp } from '../packages/server/src/storage/entity-store.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '200000' },
    cassandra: { type: 'string', default: '127.0.0.1:9042' },
    opensearch: { type: 'string', default: 'http://127.0.0.1:9200' },
    rf: { type: 'string', default: '3' },
    batch: { type: 'string', default: '500' },
  },
});
const total = Number(values.docs);
const run = randomBytes(4).toString('hex');
const keyspace = `waggle_migbench_${run}`;
const prefix = `waggle_migbench_${run}_`;
const sourceDir = mkdtempSync(join(tmpdir(), 'waggle-migbench-src-'));
const nodeDir = mkdtempSync(join(tmpdir(), 'waggle-migbench-node-'));

async function seed(): Promise<number> {
  const store = new SqliteEntityStore({ path: join(sourceDir, 'waggle.db'), synchronous: 'NORMAL' });
  await store.init();
  const t0 = Date.now();
  let n = 0;
  const orgs = ['~1001', '~1002', '~1003'];
  while (n < total) {
    const ops: BatchOp[] = [];
    for (let i = 0; i < 1000 && n < total; i++, n++) {
      const org = orgs[n % orgs.length];
      const isCase = n % 10 === 9;
      const base = { _id: store.newId(), _createdAt: Date.UTC(2025, 0, 1) + n * 1000, _createdBy: 'bench@waggle', _orgs: [org], _parents: {} };
      ops.push({
        op: 'insert',
        doc: isCase
          ? {
              ...base,
              _type: 'case',
              title: `case ${n}`,
              description: 'x'.repeat(400),
              severity: 1 + (n % 4),
              tags: ['bench', `t${n % 50}`],
              number: n,
              status: 'New',
            }
          : {
              ...base,
              _type: 'alert',
              type: 'bench',
              source: 'migrate',
              sourceRef: `ref-${n}`,
              title: `alert ${n}`,
              description: 'y'.repeat(400),
              severity: 1 + (n % 4),
              tags: ['bench', `t${n % 50}`],
              status: 'New',
            },
      });
    }
    await store.batch(ops);
  }
  await store.close();
  process.stderr.write(`seeded ${n} documents in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return n;
}

async function cleanup(): Promise<void> {
  const c = new cassandra.Client({
    contactPoints: [values.cassandra],
    localDataCenter: 'datacenter1',
    credentials: { username: 'cassandra', password: 'cassandra' },
  });
  await c.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
  await c.shutdown();
  await fetch(`${values.opensearch}/${prefix}*`, { method: 'DELETE' }).catch(() => undefined);
  rmSync(sourceDir, { recursive: true, force: true });
  rmSync(nodeDir, { recursive: true, force: true });
}

try {
  const seeded = await seed();
  const env = {
    ...process.env,
    WAGGLE_MODE: 'test',
    WAGGLE_LOG_LEVEL: 'error',
    WAGGLE_DATA_DIR: nodeDir,
    WAGGLE_STORAGE_BACKEND: 'cluster',
    WAGGLE_CASSANDRA_CONTACT_POINTS: values.cassandra,
    WAGGLE_CASSANDRA_USERNAME: 'cassandra',
    WAGGLE_CASSANDRA_PASSWORD: 'cassandra',
    WAGGLE_CASSANDRA_KEYSPACE: keyspace,
    WAGGLE_CASSANDRA_RF: values.rf,
    WAGGLE_OPENSEARCH_NODES: values.opensearch,
    WAGGLE_OPENSEARCH_INDEX_PREFIX: prefix,
  };
  const t0 = Date.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-v',
      process.execPath,
      '--import',
      'tsx',
      'packages/server/src/main.ts',
      'migrate-storage',
      '--from',
      'sqlite',
      '--to',
      'cluster',
      '--data-dir',
      sourceDir,
      '--batch',
      values.batch,
    ],
    { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const secs = (Date.now() - t0) / 1000;
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  process.stdout.write(r.stdout);
  if (r.status !== 0) process.stderr.write(r.stderr);
  process.stdout.write(
    `\nexit ${r.status}; ${seeded.toLocaleString('en')} documents in ${secs.toFixed(1)} s (whole CLI run, with the verification scans): ` +
      `${Math.round(seeded / secs).toLocaleString('en')} documents/s; peak RSS of the CLI process ${(rssKb / 1024).toFixed(0)} MB (batch ${values.batch})\n`,
  );
} finally {
  await cleanup();
}
