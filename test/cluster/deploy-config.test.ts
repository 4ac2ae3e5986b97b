/** The per-node Waggle configurations of deploy/cluster load without a problem and describe one 3-node cluster. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../packages/server/src/config/config.js';
import { ROOT } from '../support/server-process.js';

test('deploy/cluster/waggle/node{1,2,3}.json: cluster store, S3 files, distinct nodes, minMembers 2 of 3', () => {
  const configs = [1, 2, 3].map((n) => loadConfig({ WAGGLE_CONFIG: join(ROOT, `deploy/cluster/waggle/node${n}.json`) }, ROOT));
  for (const [i, c] of configs.entries()) {
    assert.equal(c.storage.backend, 'cluster');
    assert.equal(c.storage.cluster?.cassandra.replicationFactor, 3);
    assert.equal(c.storage.cluster?.cassandra.contactPoints.length, 3);
    assert.equal(c.storage.s3?.endpoint, `http://10.0.0.1${i + 1}:9100`, 'each node uses its local MinIO server');
    assert.equal(c.http.trustProxy, true, 'behind HAProxy');
    assert.deepEqual(c.cluster, { nodeId: `waggle${i + 1}`, address: `10.0.0.1${i + 1}:9000`, minMembers: 2 });
  }
  const same = (f: (c: (typeof configs)[number]) => unknown) => new Set(configs.map((c) => JSON.stringify(f(c)))).size === 1;
  assert.ok(
    same((c) => c.storage.cluster),
    'the same Cassandra and OpenSearch settings on every node',
  );
  assert.ok(
    same((c) => ({ ...c.storage.s3, endpoint: '' })),
    'the same bucket and keys on every node',
  );
});
