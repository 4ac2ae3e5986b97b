/**
 * A logged batch whose batchlog write timed out (nothing applied yet; see `isBatchlogTimeout`) is
 * sent again with the same write timestamp; any other write timeout (the batch may be partly
 * applied) reaches the caller at once. The dead-but-not-convicted Cassandra node that causes these
 * timeouts cannot be produced here without killing a shared engine node (the fault-suite engineer's
 * job), so the session's `batch` is replaced by one that throws the driver's own error objects,
 * as Cassandra's answer decodes to them; no engine is contacted (the store is not initialised).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { ConflictError, NotFoundError, SearchError } from '@waggle/server/src/errors/errors.js';
import { ALL_ORGS, ENTITIES, RESTRICTED_TO, SYSTEM_FIELDS, entityDef, fieldDef } from '@waggle/server/src/entities/registry.js';
import { isBatchlogTimeout } from '../cassandra/cassandra-errors.js';
import { CassandraOpenSearchEntityStore } from './cluster-entity-store.js';

const stores: CassandraOpenSearchEntityStore[] = [];
after(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
});

function writeTimeout(writeType: string): Error {
  const e = new cassandra.errors.ResponseError(0x1100, `Operation timed out - received only 1 responses (${writeType})`);
  (e as unknown as { writeType: string }).writeType = writeType;
  return e;
}

/** A store whose session's `batch` fails with `failures` in turn, then succeeds; records the calls. */
function storeFailing(failures: Error[]): { store: CassandraOpenSearchEntityStore; calls: Array<{ timestamp: unknown }> } {
  const store = new CassandraOpenSearchEntityStore(
    {
      cassandra: { contactPoints: ['127.0.0.1'], localDataCenter: 'datacenter1', keyspace: 'never_opened', replicationFactor: 1 },
      opensearch: { nodes: ['http://127.0.0.1:1'] },
    },
    { registry: { ENTITIES, entityDef, fieldDef, SYSTEM_FIELDS, ALL_ORGS, RESTRICTED_TO }, errors: { ConflictError, NotFoundError, SearchError } },
  );
  stores.push(store);
  const calls: Array<{ timestamp: unknown }> = [];
  const cql = (store as unknown as { cql: { batch: (q: unknown, o: { timestamp: unknown }) => Promise<void> } }).cql;
  cql.batch = async (_q, o) => {
    calls.push({ timestamp: o.timestamp });
    const f = failures.shift();
    if (f) throw f;
  };
  return { store, calls };
}

const loggedBatch = (s: CassandraOpenSearchEntityStore): Promise<void> =>
  (s as unknown as { loggedBatch(q: Array<{ query: string; params: unknown[] }>): Promise<void> }).loggedBatch([{ query: 'INSERT ...', params: [] }]);

test('only a BATCH_LOG write timeout is a batchlog timeout', () => {
  assert.equal(isBatchlogTimeout(writeTimeout('BATCH_LOG')), true);
  assert.equal(isBatchlogTimeout(writeTimeout('BATCH')), false, 'the batch itself timed out: it may be applied');
  assert.equal(isBatchlogTimeout(writeTimeout('CAS')), false);
  assert.equal(isBatchlogTimeout(new cassandra.errors.ResponseError(0x1000, 'unavailable')), false);
});

test('a batch whose batchlog write timed out is sent again with the same timestamp', async () => {
  const { store, calls } = storeFailing([writeTimeout('BATCH_LOG'), writeTimeout('BATCH_LOG')]);
  await loggedBatch(store);
  assert.equal(calls.length, 3);
  assert.ok(calls[0]!.timestamp !== undefined);
  assert.ok(calls.every((c) => String(c.timestamp) === String(calls[0]!.timestamp)));
});

test('a timeout of the batch itself (it may be applied) is not repeated', async () => {
  const { store, calls } = storeFailing([writeTimeout('BATCH')]);
  await assert.rejects(loggedBatch(store), (e: unknown) => e instanceof cassandra.errors.ResponseError && !isBatchlogTimeout(e));
  assert.equal(calls.length, 1);
});
