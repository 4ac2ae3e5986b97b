/**
 * `waggle migrate-storage` and `waggle cluster status`, run as the real CLI (child processes of
 * `main.ts`) against real engines: Cassandra, OpenSearch and MinIO from the environment
 * (WAGGLE_TEST_CASSANDRA, WAGGLE_TEST_OPENSEARCH, WAGGLE_TEST_S3*: scripts/engines/*.sh), each
 * run with its own keyspace (replication factor WAGGLE_TEST_CASSANDRA_RF, default 1), index prefix and bucket, removed afterwards.
 *
 * A seeded embedded installation (organisations, users, custom fields, cases with tasks, logs,
 * observables and attachments, alerts, dashboards) is copied into the cluster, copied back into a
 * fresh data dir and compared document by document; a Waggle server then runs on the cluster and
 * the API answers the same (cases, alerts, attachment bytes, queries, logins).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { testWaggle, ADMIN, type TestOrg, type TestWaggle } from '../test/support.js';
import { getRaw, postMultipart } from '../http/routes/attachment/test-helpers.js';
import { SqliteEntityStore } from '../storage/sqlite/sqlite-entity-store.js';
import { LocalFsBlobStore } from '../storage/localfs/localfs-blob-store.js';
import { ENTITIES } from '../entities/registry.js';
import type { Doc, EntityStore, ScanPage } from '../storage/entity-store.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const CASSANDRA = process.env.WAGGLE_TEST_CASSANDRA;
const OPENSEARCH = process.env.WAGGLE_TEST_OPENSEARCH;
const S3 = process.env.WAGGLE_TEST_S3;
const SKIP =
  CASSANDRA && OPENSEARCH && S3
    ? undefined
    : 'needs real engines: WAGGLE_TEST_CASSANDRA, WAGGLE_TEST_OPENSEARCH and WAGGLE_TEST_S3 (eval "$(scripts/engines/minio.sh env)")';

const run = randomBytes(4).toString('hex');
const keyspace = `waggle_mig_${run}`;
const prefix = `waggle_mig_${run}_`;
const bucket = `waggle-mig-${run}`;
const user = process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra';
const password = process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra';
const RF = process.env.WAGGLE_TEST_CASSANDRA_RF ?? '1';

/** The cluster configuration of this run (the env a node and the CLI read). */
const clusterEnv = (): Record<string, string> => ({
  WAGGLE_STORAGE_BACKEND: 'cluster',
  WAGGLE_CASSANDRA_CONTACT_POINTS: CASSANDRA!,
  WAGGLE_CASSANDRA_DC: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
  WAGGLE_CASSANDRA_USERNAME: user,
  WAGGLE_CASSANDRA_PASSWORD: password,
  WAGGLE_CASSANDRA_KEYSPACE: keyspace,
  WAGGLE_CASSANDRA_RF: RF,
  WAGGLE_OPENSEARCH_NODES: OPENSEARCH!,
  WAGGLE_OPENSEARCH_INDEX_PREFIX: prefix,
  WAGGLE_FILES_BACKEND: 's3',
  WAGGLE_S3_ENDPOINT: S3!,
  WAGGLE_S3_ACCESS_KEY_ID: process.env.WAGGLE_TEST_S3_ACCESS_KEY ?? '',
  WAGGLE_S3_SECRET_ACCESS_KEY: process.env.WAGGLE_TEST_S3_SECRET_KEY ?? '',
  WAGGLE_S3_BUCKET: bucket,
  WAGGLE_CLUSTER_NODE_ID: `mig-node-${run}`,
  WAGGLE_CLUSTER_ADDRESS: '127.0.0.1:19999',
});

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `waggle <args>` as a child process (asynchronous: a server may run in this process meanwhile). */
function waggle(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('packages', 'server', 'src', 'main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, WAGGLE_MODE: 'test', WAGGLE_LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const noStack = (r: CliResult): void => assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');

async function scanAll<T>(page: (cursor: string | undefined) => Promise<ScanPage<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.cursor;
  } while (cursor !== undefined);
  return out;
}

/** Everything an embedded installation holds: documents per type, claims, counters, blob keys. */
async function snapshot(dataDir: string): Promise<{ docs: Record<string, Doc[]>; claims: unknown[]; sequences: unknown; blobs: string[] }> {
  const s: EntityStore = new SqliteEntityStore({ path: join(dataDir, 'waggle.db'), readOnly: true });
  await s.init();
  try {
    const docs: Record<string, Doc[]> = {};
    for (const type of ENTITIES.keys()) docs[type] = (await scanAll((c) => s.scan(type, c, 1000))).sort((a, b) => a._id.localeCompare(b._id));
    const claims = await scanAll((c) => s.scanClaims(c, 1000));
    const { sequences } = await s.counters();
    const blobs = (await new LocalFsBlobStore(join(dataDir, 'files')).list(undefined, 100_000)).map((b) => b.sha256);
    return { docs, claims, sequences, blobs };
  } finally {
    await s.close();
  }
}

test('migrate-storage: bad arguments exit 2 with the usage, before touching anything', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'waggle-mig-args-'));
  try {
    for (const args of [
      [],
      ['--from', 'sqlite'],
      ['--from', 'sqlite', '--to', 'sqlite'],
      ['--from', 'mysql', '--to', 'cluster'],
      ['--from', 'sqlite', '--to', 'cluster', '--bogus'],
      ['--from', 'sqlite', '--to', 'cluster', '--batch', '0'],
    ]) {
      const r = await waggle(['migrate-storage', ...args], { WAGGLE_DATA_DIR: dataDir });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Usage: waggle migrate-storage --from <sqlite\|cluster> --to <cluster\|sqlite>/);
      noStack(r);
    }
    // good arguments with an embedded configuration: the cluster side is missing
    const r = await waggle(['migrate-storage', '--from', 'sqlite', '--to', 'cluster'], { WAGGLE_DATA_DIR: dataDir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /reads the cluster from the configuration: this one uses the embedded SQLite store/);
    const c = await waggle(['cluster', 'status'], { WAGGLE_DATA_DIR: dataDir });
    assert.equal(c.status, 2);
    assert.match(c.stderr, /This installation uses the embedded SQLite store/);
    const u = await waggle(['cluster', 'stats'], { WAGGLE_DATA_DIR: dataDir });
    assert.equal(u.status, 2);
    assert.match(u.stderr, /unknown command "stats"[\s\S]*Usage: waggle cluster status \[--json\]/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('migrate-storage between an embedded installation and a real cluster', { skip: SKIP }, () => {
  let source: TestWaggle;
  let sourceDir: string;
  const nodeDir = mkdtempSync(join(tmpdir(), 'waggle-mig-node-'));
  const backDir = mkdtempSync(join(tmpdir(), 'waggle-mig-back-'));
  let org: TestOrg;
  let caseId: string;
  let caseNumber: number;
  let alertId: string;
  let attachmentId: string;
  let observableAttachment: string;

  before(async () => {
    // the CLI imports the package's build (dist/index.js), as in production
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: join(root, 'packages', 'server-cluster'), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    source = await testWaggle();
    sourceDir = source.dataDir;
    org = await source.org('org-mig');
    const other = await source.org('org-other');
    const an = source.as(org.analyst);
    assert.equal((await source.admin.post('/api/v1/customField', { name: 'mig-score', group: 'default', description: 'score', type: 'integer' })).status, 201);
    const c = await an.post('/api/v1/case', {
      title: 'Migrated case',
      description: 'with everything',
      tags: ['mig', 'phishing'],
      severity: 3,
      customFields: [{ name: 'mig-score', value: 7 }],
    });
    assert.equal(c.status, 201, c.text);
    caseId = c.body._id;
    caseNumber = c.body.number;
    for (let i = 0; i < 3; i++) assert.equal((await an.post('/api/v1/case', { title: `filler ${i}`, description: 'd', tags: ['mig'] })).status, 201);
    const task = await an.post(`/api/v1/case/${caseId}/task`, { title: 'Investigate' });
    assert.equal(task.status, 201, task.text);
    assert.equal((await an.post(`/api/v1/task/${task.body._id}/log`, { message: 'found it' })).status, 201);
    assert.equal((await an.post(`/api/v1/case/${caseId}/observable`, { dataType: 'ip', data: ['10.0.0.1', '10.0.0.2'] })).status, 201);
    const fileObs = await postMultipart(source, org.analyst, `/api/v1/case/${caseId}/observable`, [
      { name: '_json', content: JSON.stringify({ dataType: 'file', message: 'sample' }) },
      { name: 'attachment', filename: 'sample.bin', contentType: 'application/octet-stream', content: randomBytes(70_000) },
    ]);
    assert.equal(fileObs.status, 201);
    observableAttachment = (fileObs.json as Array<{ attachment: { id: string } }>)[0]!.attachment.id;
    const att = await postMultipart(source, org.analyst, `/api/v1/case/${caseId}/attachments`, [
      { name: 'attachments', filename: 'report.txt', contentType: 'text/plain', content: 'the report ünï 🐝' },
    ]);
    assert.equal(att.status, 201);
    attachmentId = (att.json as { attachments: Array<{ _id: string }> }).attachments[0]!._id;
    const alert = await an.post('/api/v1/alert', {
      type: 'external',
      source: 'mig-test',
      sourceRef: 'ref-1',
      title: 'Migrated alert',
      description: 'an alert',
      observables: [{ dataType: 'domain', data: 'evil.example' }],
    });
    assert.equal(alert.status, 201, alert.text);
    alertId = alert.body._id;
    assert.equal((await source.as(other.analyst).post('/api/v1/case', { title: 'other org case', description: 'd' })).status, 201);
  });

  after(async () => {
    await source?.running.close().catch(() => undefined);
    for (const d of [sourceDir, nodeDir, backDir]) if (d) rmSync(d, { recursive: true, force: true });
    const c = new cassandra.Client({ contactPoints: [CASSANDRA!], localDataCenter: 'datacenter1', credentials: { username: user, password } });
    await c.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await c.shutdown();
    await fetch(`${OPENSEARCH}/${prefix}*`, { method: 'DELETE' }).catch(() => undefined);
    // the bucket stays (removing it needs every object deleted first); its name is unique to this run
  });

  test('refused while the embedded server runs', async () => {
    const r = await waggle(['migrate-storage', '--from', 'sqlite', '--to', 'cluster', '--data-dir', sourceDir], { ...clusterEnv(), WAGGLE_DATA_DIR: nodeDir });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`waggle\\.db is open in process ${process.pid}.*stop it first`));
  });

  let seeded: Awaited<ReturnType<typeof snapshot>>;

  test('copies into a fresh cluster, verifies the counts, refuses a second run without --resume, converges with it', async () => {
    await source.running.close();
    seeded = await snapshot(sourceDir);
    const r = await waggle(['migrate-storage', '--from', 'sqlite', '--to', 'cluster', '--data-dir', sourceDir, '--batch', '7'], {
      ...clusterEnv(),
      WAGGLE_DATA_DIR: nodeDir,
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Copied and verified/);
    assert.match(r.stderr, /^case\s+5 documents$/m);
    const caseLine = r.stdout.split('\n').find((l) => l.startsWith('case '));
    assert.match(caseLine ?? '', /^case\s+5\s+5\s+5$/);
    assert.match(r.stdout, /^files\s+2\s+2$/m);
    const again = await waggle(['migrate-storage', '--from', 'sqlite', '--to', 'cluster', '--data-dir', sourceDir], {
      ...clusterEnv(),
      WAGGLE_DATA_DIR: nodeDir,
    });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /the target already holds .*--resume/);
    const resumed = await waggle(['migrate-storage', '--from', 'sqlite', '--to', 'cluster', '--data-dir', sourceDir, '--resume'], {
      ...clusterEnv(),
      WAGGLE_DATA_DIR: nodeDir,
    });
    assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
    assert.equal(
      resumed.stdout.split('\n').find((l) => l.startsWith('case ')),
      caseLine,
      'one copy of each document',
    );
    assert.match(resumed.stderr, /files: 0 copied, 2 already there/);
    assert.deepEqual(await snapshot(sourceDir), seeded, 'the source is unchanged');
  });

  test('copied back into a fresh data dir, the installation is the same document by document', async () => {
    const r = await waggle(['migrate-storage', '--from', 'cluster', '--to', 'sqlite', '--data-dir', backDir], { ...clusterEnv(), WAGGLE_DATA_DIR: nodeDir });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const back = await snapshot(backDir);
    for (const type of ENTITIES.keys()) assert.deepEqual(back.docs[type], seeded.docs[type], type);
    assert.deepEqual(back.claims, seeded.claims);
    assert.deepEqual(back.sequences, seeded.sequences);
    assert.deepEqual(back.blobs, seeded.blobs);
  });

  describe('a Waggle node on the migrated cluster', () => {
    let node: TestWaggle;
    before(async () => {
      node = await testWaggle(clusterEnv());
    });
    after(async () => {
      await node?.close();
    });

    test('serves the same cases, alerts, attachments, queries and logins', async () => {
      const an = node.as(org.analyst);
      const c = await an.get(`/api/v1/case/${caseId}`);
      assert.equal(c.status, 200, c.text);
      assert.equal(c.body.title, 'Migrated case');
      assert.equal(c.body.number, caseNumber);
      assert.deepEqual([...(c.body.tags as string[])].sort(), ['mig', 'phishing']);
      assert.equal((c.body.customFields as Array<{ name: string; value: unknown }>).find((f) => f.name === 'mig-score')?.value, 7);
      const tasks = await an.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'tasks' }]);
      assert.deepEqual(
        (tasks.body as Array<{ title: string }>).map((t) => t.title),
        ['Investigate'],
      );
      const logs = await an.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'tasks' }, { _name: 'logs' }]);
      assert.deepEqual(
        (logs.body as Array<{ message: string }>).map((l) => l.message),
        ['found it'],
      );
      const obs = await an.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }]);
      assert.equal((obs.body as unknown[]).length, 3);
      const listed = await an.query([{ _name: 'listCase' }, { _name: 'filter', _eq: { _field: 'tags', _value: 'mig' } }, { _name: 'count' }]);
      assert.equal(listed.body, 4);
      const alert = await an.get(`/api/v1/alert/${alertId}`);
      assert.equal(alert.status, 200);
      assert.equal(alert.body.title, 'Migrated alert');
      const dl = await getRaw(node, org.analyst, `/api/v1/attachment/${attachmentId}/download`);
      assert.equal(dl.status, 200);
      assert.equal(dl.bytes.toString(), 'the report ünï 🐝');
      assert.ok(seeded.blobs.includes(observableAttachment));
      // tenant isolation holds on the copy
      const other = await node.as({ login: 'analyst@org-other', password: 'secret', org: 'org-other' }).get(`/api/v1/case/${caseId}`);
      assert.equal(other.status, 404);
      // logins: the administrator and the users keep their passwords
      assert.equal((await node.as(ADMIN).get('/api/v1/user/current')).status, 200);
      assert.equal((await node.as({ ...org.analyst, password: 'wrong' }).get('/api/v1/user/current')).status, 401);
      // counters continue: a new case takes the next number and a fresh id
      const created = await an.post('/api/v1/case', { title: 'after the migration', description: 'd' });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.number, Math.max(...seeded.docs.case!.filter((d) => d._orgs.includes(org.id)).map((d) => Number(d.number))) + 1);
      assert.ok(!seeded.docs.case!.some((d) => d._id === created.body._id));
    });

    test('a running node blocks a migration into or out of the cluster', async () => {
      const r = await waggle(['migrate-storage', '--from', 'cluster', '--to', 'sqlite', '--data-dir', mkdtempSync(join(tmpdir(), 'waggle-mig-x-'))], {
        ...clusterEnv(),
        WAGGLE_DATA_DIR: nodeDir,
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`1 Waggle node\\(s\\) are running on the cluster \\(mig-node-${run}@127\\.0\\.0\\.1:19999\\): stop them first`));
    });

    test('cluster status: the member, its lease, the engines and indexes in step; exit 0', async () => {
      const r = await waggle(['cluster', 'status', '--json'], { ...clusterEnv(), WAGGLE_DATA_DIR: nodeDir });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const s = JSON.parse(r.stdout);
      assert.equal(s.healthy, true);
      assert.deepEqual(s.problems, []);
      assert.equal(s.members.alive, 1);
      assert.equal(s.members.quorum, true);
      const me = s.members.list.find((m: { nodeId: string }) => m.nodeId === `mig-node-${run}`);
      assert.equal(me.alive, true);
      assert.equal(me.address, '127.0.0.1:19999');
      assert.ok(me.lastHeartbeatAgeMs < 10_000);
      assert.ok(s.leases.some((l: { name: string; holder: string }) => l.name === 'index-repair' && l.holder === `mig-node-${run}`));
      assert.equal(s.cassandra.keyspace, keyspace);
      assert.equal(s.cassandra.schemaAgreement, true);
      assert.ok(s.cassandra.nodes.length >= 1 && s.cassandra.nodes.every((n: { up: boolean }) => n.up));
      const cases = s.opensearch.indexes.find((i: { type: string }) => i.type === 'case');
      assert.deepEqual([cases.indexDocs, cases.cassandraRows], [6, 6]);
      for (const i of s.opensearch.indexes) assert.equal(i.indexDocs, i.cassandraRows, i.type);
      assert.equal(s.opensearch.outbox.backlog, 0);
      assert.deepEqual(s.s3, { endpoint: S3, bucket, reachable: true });
      const text = await waggle(['cluster', 'status'], { ...clusterEnv(), WAGGLE_DATA_DIR: nodeDir, WAGGLE_CLUSTER_MIN_MEMBERS: '2' });
      assert.equal(text.status, 1, 'degraded: one member alive, two needed');
      assert.match(text.stdout, /Members: 1 alive, minMembers 2: NO QUORUM/);
      assert.match(text.stdout, new RegExp(`mig-node-${run}\\s+127\\.0\\.0\\.1:19999\\s+\\S+\\s+\\S+\\s+[\\d.]+ m?s ago\\s+alive`));
      assert.match(text.stdout, /Status: DEGRADED\n {2}- 1 member\(s\) alive, fewer than cluster\.minMembers \(2\)/);
    });
  });

  test('cluster status: index lag from the outbox, unreachable engines and bad credentials exit 1 with one clear line each', async () => {
    const c = new cassandra.Client({ contactPoints: [CASSANDRA!], localDataCenter: 'datacenter1', credentials: { username: user, password } });
    await c.execute(`INSERT INTO ${keyspace}.outbox (ns, type, id, at) VALUES (?, ?, ?, ?)`, ['default', 'case', '~1', new Date(Date.now() - 180_000)], {
      prepare: true,
    });
    await c.shutdown();
    const lag = await waggle(['cluster', 'status', '--json'], { ...clusterEnv(), WAGGLE_DATA_DIR: nodeDir });
    assert.equal(lag.status, 1);
    const s = JSON.parse(lag.stdout);
    assert.equal(s.opensearch.outbox.backlog, 1);
    assert.ok(s.opensearch.outbox.oldestAgeMs >= 180_000);
    assert.ok(s.problems.some((p: string) => /1 index write\(s\) waiting in the outbox/.test(p)));
    const noSearch = await waggle(['cluster', 'status'], { ...clusterEnv(), WAGGLE_DATA_DIR: nodeDir, WAGGLE_OPENSEARCH_NODES: 'http://127.0.0.1:1' });
    assert.equal(noSearch.status, 1);
    assert.match(noSearch.stdout, /OpenSearch: OpenSearch is not reachable at http:\/\/127\.0\.0\.1:1/);
    noStack(noSearch);
    const badAuth = await waggle(['cluster', 'status'], { ...clusterEnv(), WAGGLE_DATA_DIR: nodeDir, WAGGLE_CASSANDRA_PASSWORD: 'wrong' });
    assert.equal(badAuth.status, 1);
    assert.match(badAuth.stdout, /Cassandra authentication failed for user "cassandra"/);
    noStack(badAuth);
    const mig = await waggle(['migrate-storage', '--from', 'cluster', '--to', 'sqlite', '--data-dir', backDir], {
      ...clusterEnv(),
      WAGGLE_DATA_DIR: nodeDir,
      WAGGLE_CASSANDRA_PASSWORD: 'wrong',
    });
    assert.equal(mig.status, 1);
    assert.match(mig.stderr, /Cassandra authentication failed/);
    noStack(mig);
  });
});
