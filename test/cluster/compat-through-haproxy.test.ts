/**
 * Issue 7, done-when 2: the thehive4py compatibility suites of the core and alerts issues
 * (`test/compat`, the real thehive4py client from PyPI) pass through HAProxy against three Waggle
 * nodes on the 3-node Cassandra (replication factor 3), OpenSearch and MinIO in distributed mode.
 * HAProxy round-robins without affinity, so every request of a test may land on another node:
 * a query right after a write through another node must see it (`refresh=wait_for`).
 *
 * Runs with WAGGLE_TEST_CLUSTER=full (see full-topology.ts); the harness uses the running engines
 * with a keyspace, indexes and bucket of its own, dropped at the end.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/server-process.js';
import { ClusterHarness } from './harness.js';
import { fullTopologySkip } from './full-topology.js';

const skip = fullTopologySkip();
let h: ClusterHarness | undefined;
after(async () => {
  await h?.stop();
});

/** Runs `test/compat/run.mjs` against `url`; resolves its exit code and output. */
function compatSuite(url: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'test/compat/run.mjs')], {
      cwd: ROOT,
      env: {
        ...process.env,
        WAGGLE_COMPAT_TARGET_URL: url,
        WAGGLE_COMPAT_USER: 'admin@thehive.local',
        WAGGLE_COMPAT_PASSWORD: 'secret',
        // through the cluster on a shared 2-core machine the suite takes longer than on one embedded node
        WAGGLE_COMPAT_TIMEOUT: process.env.WAGGLE_COMPAT_TIMEOUT ?? '2400',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

test(
  'the thehive4py suites pass through HAProxy on 3 Waggle nodes, 3 Cassandra nodes (RF 3), OpenSearch and distributed MinIO',
  { skip, timeout: 2_700_000 },
  async () => {
    // Indexes refreshed every 200 ms instead of the default 1 s: every write waits for the next
    // refresh (refresh=wait_for, the same semantics), and the suite's 240 tests are mostly short
    // sequences of writes, each then waiting about half the interval. The fault suite keeps 1 s.
    h = await ClusterHarness.start({ cassandra: 3, opensearch: true, minio: 'distributed', nodes: 3, refreshInterval: '200ms' });
    const t0 = Date.now();
    const { code, out } = await compatSuite(h.url);
    const lines = out.trimEnd().split('\n');
    const summary = [...lines].reverse().find((l) => /\d+ (passed|failed)/.test(l)) ?? '(no summary)';
    console.log(`compat through HAProxy: ${summary} (${((Date.now() - t0) / 1000).toFixed(0)} s for the suite, after the topology's start)`);
    if (code !== 0) console.log(lines.filter((l) => /^(FAILED|ERROR) /.test(l)).join('\n'), '\n', lines.slice(-150).join('\n'));
    assert.equal(code, 0, `the thehive4py suite failed through HAProxy: ${summary}`);
    assert.match(summary, /\d+ passed/);
    assert.doesNotMatch(summary, /\d+ (failed|errors?)\b/);
  },
);
