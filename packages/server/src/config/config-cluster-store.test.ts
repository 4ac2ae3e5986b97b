/** `storage.backend: cluster` and the cluster EntityStore's settings (file and environment). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

test('the default backend is sqlite, with no cluster settings', () => {
  const c = loadConfig({ WAGGLE_MODE: 'test' }, tmpdir());
  assert.equal(c.storage.backend, 'sqlite');
  assert.equal(c.storage.cluster, undefined);
});

const cassandraSettings = {
  contactPoints: ['10.0.0.1', '10.0.0.2'],
  localDataCenter: 'dc1',
  keyspace: 'thehive',
  username: 'waggle',
  password: 'pw',
  replicationFactor: 3,
};

test('cluster settings come from the file, and the environment overrides them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waggle-cluster-config-'));
  try {
    const storage = { backend: 'cluster', cassandra: cassandraSettings, opensearch: { nodes: ['http://10.0.0.1:9200'], indexPrefix: 'w_' } };
    writeFileSync(join(dir, 'waggle.json'), JSON.stringify({ storage }));
    const c = loadConfig({ WAGGLE_MODE: 'test', WAGGLE_OPENSEARCH_NODES: 'http://a:9200, http://b:9200' }, dir);
    assert.equal(c.storage.backend, 'cluster');
    assert.deepEqual(c.storage.cluster, { cassandra: cassandraSettings, opensearch: { nodes: ['http://a:9200', 'http://b:9200'], indexPrefix: 'w_' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
test('a bad backend, keyspace or replication factor is reported, all at once', () => {
  assert.throws(
    () => loadConfig({ WAGGLE_MODE: 'test', WAGGLE_STORAGE_BACKEND: 'mongo' }, tmpdir()),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.includes('storage.backend must be sqlite or cluster')),
  );
  assert.throws(
    () =>
      loadConfig({ WAGGLE_MODE: 'test', WAGGLE_STORAGE_BACKEND: 'cluster', WAGGLE_CASSANDRA_KEYSPACE: 'bad-name; DROP', WAGGLE_CASSANDRA_RF: '0' }, tmpdir()),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.some((p) => p.includes('storage.cassandra.keyspace')) &&
      e.problems.some((p) => p.includes('storage.cassandra.replicationFactor')),
  );
});
test("the indexes' refresh interval is optional (the store's 1s) and must be a duration", () => {
  const cluster = (env: Record<string, string>) => loadConfig({ WAGGLE_MODE: 'test', WAGGLE_STORAGE_BACKEND: 'cluster', ...env }, tmpdir()).storage.cluster;
  assert.equal(cluster({})?.opensearch.refreshInterval, undefined);
  assert.equal(cluster({ WAGGLE_OPENSEARCH_REFRESH_INTERVAL: '200ms' })?.opensearch.refreshInterval, '200ms');
  assert.throws(
    () => cluster({ WAGGLE_OPENSEARCH_REFRESH_INTERVAL: 'soon' }),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.includes('storage.opensearch.refreshInterval')),
  );
});
