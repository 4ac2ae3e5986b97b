/** Configuration of the S3 file store and of a cluster node (issue 7): defaults, and every problem reported at once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { ConfigError, loadConfig } from './config.js';

const base = { WAGGLE_MODE: 'test', WAGGLE_DATA_DIR: tmpdir(), WAGGLE_ADMIN_PASSWORD: 'secret' };

test('files stay local and no cluster node is configured by default', () => {
  const c = loadConfig(base, tmpdir());
  assert.equal(c.storage.s3, undefined);
  assert.equal(c.cluster, undefined);
});

test('storage.files s3: endpoint, keys, and defaults for region, bucket, path style, bucket creation', () => {
  const c = loadConfig(
    {
      ...base,
      WAGGLE_FILES_BACKEND: 's3',
      WAGGLE_S3_ENDPOINT: 'http://10.0.0.11:9100',
      WAGGLE_S3_ACCESS_KEY_ID: 'waggle',
      WAGGLE_S3_SECRET_ACCESS_KEY: 'secret-key',
    },
    tmpdir(),
  );
  assert.deepEqual(c.storage.s3, {
    endpoint: 'http://10.0.0.11:9100',
    region: 'us-east-1',
    bucket: 'waggle',
    accessKeyId: 'waggle',
    secretAccessKey: 'secret-key',
    forcePathStyle: true,
    createBucket: true,
  });
});

test('storage.files s3 without endpoint or keys, and an unknown files backend: all problems at once', () => {
  assert.throws(
    () => loadConfig({ ...base, WAGGLE_FILES_BACKEND: 's3', WAGGLE_S3_ENDPOINT: 'minio:9000' }, tmpdir()),
    (e: unknown) =>
      e instanceof ConfigError && e.problems.some((p) => /s3.endpoint must be an http/.test(p)) && e.problems.some((p) => /accessKeyId and/.test(p)),
  );
  assert.throws(
    () => loadConfig({ ...base, WAGGLE_FILES_BACKEND: 'nfs' }, tmpdir()),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => /storage.files must be local or s3/.test(p)),
  );
});

test('a cluster node: id, address and minMembers, with minMembers at least 1', () => {
  const c = loadConfig(
    {
      ...base,
      WAGGLE_STORAGE_BACKEND: 'cluster',
      WAGGLE_CLUSTER_NODE_ID: 'waggle2',
      WAGGLE_CLUSTER_ADDRESS: '10.0.0.12:9000',
      WAGGLE_CLUSTER_MIN_MEMBERS: '2',
    },
    tmpdir(),
  );
  assert.deepEqual(c.cluster, { nodeId: 'waggle2', address: '10.0.0.12:9000', minMembers: 2 });
  assert.throws(
    () => loadConfig({ ...base, WAGGLE_STORAGE_BACKEND: 'cluster', WAGGLE_CLUSTER_MIN_MEMBERS: '0' }, tmpdir()),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => /WAGGLE_CLUSTER_MIN_MEMBERS/.test(p)),
  );
});
