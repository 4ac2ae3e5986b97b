/**
 * The cluster topology on one machine, on loopback (issue 7): Cassandra (1 or 3 nodes on
 * 127.0.0.1-3), OpenSearch, MinIO (single or 3 x 2 drives), N Waggle nodes and HAProxy in front.
 * Engines come from `scripts/engines/*.sh`; an engine that was already running is used and left
 * running; only what the harness started is stopped, by pid (the scripts' pid files, the harness's
 * own children).
 *
 *   const h = await ClusterHarness.start({ cassandra: 3, opensearch: true, minio: 'single', nodes: 3 });
 *   await fetch(`${h.url}/api/status`);   // through HAProxy
 *   await h.killNode(0);                  // kill -9 one Waggle node
 *   await h.stop();
 *
 * With Cassandra and OpenSearch the nodes run in cluster mode (`storage.backend: cluster`, a keyspace,
 * indexes and bucket of their own per harness, `cluster.minMembers` = half + 1); without them each
 * node has its own SQLite store (enough to test HAProxy's part).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { freePort, ROOT, startServer, type ServerProcess } from '../support/server-process.js';

export interface HarnessOptions {
  /** Cassandra nodes to run (127.0.0.1..3), or 0 for none. Default 0. */
  cassandra?: 0 | 1 | 3;
  /** Run OpenSearch (127.0.0.1:9200). Default false. */
  opensearch?: boolean;
  /** MinIO: none, one server (127.0.0.1:9000), or 3 servers x 2 drives (127.0.0.1:9101-9103). Default none. */
  minio?: 'none' | 'single' | 'distributed';
  /** Waggle nodes behind HAProxy. Default 3; 0 runs the engines only (no nodes, no HAProxy). */
  nodes?: number;
  /**
   * The OpenSearch indexes' refresh interval (`storage.opensearch.refreshInterval`); default the
   * store's 1s. Every write waits for the next refresh, so a suite of short sequential requests
   * spends most of its time there.
   */
  refreshInterval?: string;
  /** Extra environment for node i (0-based). */
  nodeEnv?: (i: number) => Record<string, string>;
}

/** Runs an engine script; throws with its output on failure. */
function script(name: string, ...args: string[]): { status: number; out: string } {
  const r = spawnSync('bash', [join(ROOT, 'scripts/engines', name), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function mustScript(name: string, ...args: string[]): string {
  const r = script(name, ...args);
  if (r.status !== 0) throw new Error(`scripts/engines/${name} ${args.join(' ')} failed:\n${r.out}`);
  return r.out;
}

/**
 * Runs an engine script without blocking the event loop (a fault test's load keeps running
 * while an engine stops or starts); rejects with its output on failure.
 */
function mustScriptAsync(name: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts/engines', name), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`scripts/engines/${name} ${args.join(' ')} failed:\n${out}`))));
  });
}

/** The pid recorded by an engine script, or undefined. */
function pidOf(file: string): number | undefined {
  const p = join(ROOT, '.engines/run', file);
  if (!existsSync(p)) return undefined;
  const pid = Number(readFileSync(p, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const MINIO_ENV = /export (\w+)=(.*)/g;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ClusterHarness {
  /** HAProxy's address: what clients use. */
  url = '';
  nodes: ServerProcess[] = [];
  /** Environment describing the engines, given to every Waggle node (and usable by tests). */
  readonly clusterEnv: Record<string, string> = {};
  private haproxy: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'waggle-cluster-'));
  /** Names this harness's keyspace, indexes and bucket, so that runs never share data. */
  readonly id = randomBytes(4).toString('hex');
  /** Engine scripts to stop at the end, with their arguments: only what this harness started. */
  private readonly started: string[][] = [];

  private constructor(private readonly opts: HarnessOptions) {}

  static async start(opts: HarnessOptions = {}): Promise<ClusterHarness> {
    const h = new ClusterHarness(opts);
    const t0 = Date.now();
    try {
      h.startEngines();
      if ((opts.nodes ?? 3) > 0) {
        await h.startNodes();
        await h.startHaproxy();
      }
      console.log(`harness: topology up in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      return h;
    } catch (e) {
      await h.stop();
      throw e;
    }
  }

  private startEngines(): void {
    const { cassandra = 0, opensearch = false, minio = 'none' } = this.opts;
    if (cassandra > 0) {
      if (script('cassandra.sh', 'status').status !== 0) {
        mustScript('cassandra.sh', 'start', '--nodes', String(cassandra));
        this.started.push(['cassandra.sh', 'stop']);
      }
      this.clusterEnv.WAGGLE_CASSANDRA_CONTACT_POINTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'].slice(0, cassandra).join(',');
      this.clusterEnv.WAGGLE_CASSANDRA_USERNAME = 'cassandra';
      this.clusterEnv.WAGGLE_CASSANDRA_PASSWORD = 'cassandra';
      this.clusterEnv.WAGGLE_CASSANDRA_KEYSPACE = `waggle_h_${this.id}`;
      this.clusterEnv.WAGGLE_CASSANDRA_RF = String(cassandra);
    }
    if (opensearch) {
      if (script('opensearch.sh', 'status').status !== 0) {
        mustScript('opensearch.sh', 'start');
        this.started.push(['opensearch.sh', 'stop']);
      }
      this.clusterEnv.WAGGLE_OPENSEARCH_NODES = 'http://127.0.0.1:9200';
      this.clusterEnv.WAGGLE_OPENSEARCH_INDEX_PREFIX = `waggle_h_${this.id}_`;
      if (this.opts.refreshInterval) this.clusterEnv.WAGGLE_OPENSEARCH_REFRESH_INTERVAL = this.opts.refreshInterval;
    }
    if (cassandra > 0 && opensearch) {
      this.clusterEnv.WAGGLE_STORAGE_BACKEND = 'cluster';
      // the server loads the cluster adapters from their bundle
      const r = spawnSync(process.execPath, ['build.mjs'], { cwd: join(ROOT, 'packages/server-cluster'), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`building @waggle/server-cluster failed: ${r.stderr}`);
    }
    if (minio !== 'none') {
      const flag = minio === 'distributed' ? ['--distributed'] : [];
      if (script('minio.sh', 'status', ...flag).status !== 0) {
        mustScript('minio.sh', 'start', ...flag);
        this.started.push(['minio.sh', 'stop', ...flag]);
      }
      for (const [, k, v] of mustScript('minio.sh', 'env', ...flag).matchAll(MINIO_ENV)) {
        if (k === 'WAGGLE_TEST_S3') this.clusterEnv.WAGGLE_S3_ENDPOINT = v!;
        if (k === 'WAGGLE_TEST_S3_ACCESS_KEY') this.clusterEnv.WAGGLE_S3_ACCESS_KEY_ID = v!;
        if (k === 'WAGGLE_TEST_S3_SECRET_KEY') this.clusterEnv.WAGGLE_S3_SECRET_ACCESS_KEY = v!;
      }
      this.clusterEnv.WAGGLE_FILES_BACKEND = 's3';
      this.clusterEnv.WAGGLE_S3_BUCKET = `waggle-h-${this.id}`;
    }
  }

  /**
   * Starts the first node alone until it listens (it creates the schema: concurrent first starts
   * race on it, seen here as "unconfigured table migrations"), then the others together. Each is
   * waited for until it listens (200, or 503 while without its quorum); HAProxy's start waits
   * until all are ready. Every node gets the same `secret.key` in its data dir, as the deployment
   * guide asks: API keys are sealed and sessions signed with it, so with a secret per node an API
   * key created through one node answered 500 through another (the compat run through HAProxy).
   */
  private async startNodes(): Promise<void> {
    const n = this.opts.nodes ?? 3;
    const secret = randomBytes(32).toString('base64url');
    for (let i = 0; i < n; i++) {
      mkdirSync(join(this.dir, `node${i + 1}`), { recursive: true });
      writeFileSync(join(this.dir, `node${i + 1}`, 'secret.key'), secret, { mode: 0o600 });
    }
    const minMembers = Math.floor(n / 2) + 1;
    const listening = (status: number): boolean => status === 200 || status === 503;
    const start = (i: number): Promise<ServerProcess> =>
      startServer(
        {
          WAGGLE_DATA_DIR: join(this.dir, `node${i + 1}`),
          WAGGLE_ADMIN_PASSWORD: 'secret',
          WAGGLE_ANALYSIS_PORT: 'off',
          WAGGLE_LOG_LEVEL: 'warn',
          WAGGLE_CLUSTER_NODE_ID: `waggle${i + 1}`,
          WAGGLE_CLUSTER_MIN_MEMBERS: String(minMembers),
          ...this.clusterEnv,
          ...(this.opts.nodeEnv?.(i) ?? {}),
        },
        180_000,
        listening,
      );
    // On a loaded machine the first start can outrun Cassandra's schema agreement (a table created
    // through one coordinator, then "keyspace ... does not exist" through another): started again once.
    this.nodes = [await start(0).catch((e: Error) => (/does not exist|schema/i.test(e.message) ? start(0) : Promise.reject(e)))];
    const results = await Promise.allSettled(Array.from({ length: n - 1 }, (_, i) => start(i + 1)));
    this.nodes.push(...results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async startHaproxy(): Promise<void> {
    const port = await freePort();
    const cfg = join(this.dir, 'haproxy.cfg');
    writeFileSync(cfg, mustScript('haproxy.sh', 'config', String(port), ...this.nodes.map((n) => `127.0.0.1:${n.port}`)));
    const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    this.haproxy = child;
    this.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    // ready when every node is up in HAProxy's health checks: one request per node answers 200
    for (;;) {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
      const seen = new Set<string>();
      for (let i = 0; i < this.nodes.length * 2; i++) {
        const r = await fetch(`${this.url}/api/status`).catch(() => undefined);
        if (r?.ok) seen.add(r.headers.get('x-waggle-node') ?? '');
        await r?.arrayBuffer();
      }
      if (seen.size === this.nodes.length) return;
      if (Date.now() > deadline) throw new Error(`HAProxy did not see all ${this.nodes.length} nodes up (saw ${[...seen].join(', ')}): ${err}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * The errors the Waggle nodes logged so far (pino level 50 and above: what a 500 hides behind
   * "see the server log"), one line each with the node, the message and the error's first stack
   * lines; the same error is listed once, at most `max` in all.
   */
  nodeErrors(max = 20): string[] {
    const seen = new Set<string>();
    this.nodes.forEach((n, i) => {
      for (const line of n.output().split('\n')) {
        if (!line.startsWith('{') || seen.size >= max) continue;
        try {
          const e = JSON.parse(line) as { level?: number; msg?: string; err?: { type?: string; message?: string; stack?: string } };
          if ((e.level ?? 0) < 50) continue;
          const stack = (e.err?.stack ?? '')
            .split('\n')
            .slice(1, 4)
            .map((l) => l.trim())
            .join(' < ');
          seen.add(`waggle${i + 1}: ${e.msg ?? ''}: ${e.err?.type ?? ''} ${e.err?.message ?? ''} ${stack}`);
        } catch {
          /* not a log line */
        }
      }
    });
    return [...seen];
  }

  /** kill -9 of Waggle node i (0-based); resolves once it is gone. */
  async killNode(i: number): Promise<void> {
    await this.nodes[i]!.stop('SIGKILL');
  }

  /** kill -9 of Cassandra node n (1-based), by the pid its script recorded. */
  killCassandraNode(n: 1 | 2 | 3): void {
    const pid = pidOf(`cassandra/node${n}/pid`);
    if (pid) process.kill(pid, 'SIGKILL');
  }

  /**
   * Starts Cassandra node n again (after {@link killCassandraNode}); resolves once it accepts CQL
   * and the nodes agree on the schema, or after 60 s without agreement (printed). A node that
   * missed schema changes while it was down can stay on its old schema version (seen with 5.0.8
   * after a kill -9: tables created meanwhile were "Unknown CF" through it until a clean restart);
   * but where other suites create and drop keyspaces all the time, as on a shared machine, the
   * versions are a moving target and agreement is seldom observed, so it is not required.
   */
  async startCassandraNode(n: 1 | 2 | 3): Promise<void> {
    await mustScriptAsync('cassandra.sh', 'start-node', String(n));
    if (!(await this.schemaAgreement(60_000))) console.log(`harness: Cassandra node ${n} restarted; no schema agreement observed within 60 s`);
  }

  /** Whether the Cassandra nodes agree on the schema within `ms`. */
  private async schemaAgreement(ms: number): Promise<boolean> {
    const client = new cassandra.Client({
      contactPoints: (this.clusterEnv.WAGGLE_CASSANDRA_CONTACT_POINTS ?? '127.0.0.1').split(','),
      localDataCenter: 'datacenter1',
      credentials: { username: 'cassandra', password: 'cassandra' },
    });
    try {
      const deadline = Date.now() + ms;
      for (;;) {
        // in the driver (lib/metadata), not in its typings
        const metadata = client.metadata as unknown as { checkSchemaAgreement(): Promise<boolean> };
        if (await metadata.checkSchemaAgreement().catch(() => false)) return true;
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await client.shutdown();
    }
  }

  /** Stops one distributed MinIO server n (1-based), by the pid its script recorded; resolves once it is gone. */
  async stopMinioServer(n: 1 | 2 | 3): Promise<void> {
    const pid = pidOf(`minio-dist${n}.pid`);
    if (!pid) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }

  /** Starts the distributed MinIO servers that are not running (after {@link stopMinioServer}). */
  async startMinioServers(): Promise<void> {
    await mustScriptAsync('minio.sh', 'start', '--distributed');
  }

  /** Stops OpenSearch (script, by pid) and starts it again (resolves once the cluster is yellow). */
  async stopOpenSearch(): Promise<void> {
    await mustScriptAsync('opensearch.sh', 'stop');
  }
  async startOpenSearch(): Promise<void> {
    await mustScriptAsync('opensearch.sh', 'start');
  }

  /** Drops this harness's keyspace and indexes from engines that may outlive it. */
  private async dropData(): Promise<void> {
    const env = this.clusterEnv;
    if (env.WAGGLE_OPENSEARCH_INDEX_PREFIX) {
      await fetch(`${env.WAGGLE_OPENSEARCH_NODES}/${env.WAGGLE_OPENSEARCH_INDEX_PREFIX}*`, { method: 'DELETE' }).catch(() => undefined);
    }
    if (env.WAGGLE_CASSANDRA_KEYSPACE && env.WAGGLE_CASSANDRA_CONTACT_POINTS) {
      const admin = new cassandra.Client({
        contactPoints: env.WAGGLE_CASSANDRA_CONTACT_POINTS.split(','),
        localDataCenter: 'datacenter1',
        credentials: { username: 'cassandra', password: 'cassandra' },
      });
      await admin.execute(`DROP KEYSPACE IF EXISTS ${env.WAGGLE_CASSANDRA_KEYSPACE}`).catch(() => undefined);
      await admin.shutdown();
    }
  }

  /** Stops HAProxy, the Waggle nodes and the engines this harness started, by pid; removes its files. */
  async stop(): Promise<void> {
    if (this.haproxy && this.haproxy.exitCode === null) {
      const gone = new Promise((r) => this.haproxy!.once('exit', r));
      this.haproxy.kill('SIGTERM');
      await gone;
    }
    // a node that has not exited 20 s after SIGTERM is killed (seen once after the OpenSearch
    // restart of the fault suite: one node never exited and held the run)
    await Promise.all(
      this.nodes.map(async (n) => {
        const timer = setTimeout(() => void n.stop('SIGKILL'), 20_000);
        await n.stop('SIGTERM');
        clearTimeout(timer);
      }),
    );
    await this.dropData();
    for (const args of this.started.reverse()) script(args[0]!, ...args.slice(1));
    this.started.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
