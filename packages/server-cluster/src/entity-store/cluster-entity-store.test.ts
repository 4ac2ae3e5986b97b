/**
 * Runs the EntityStore conformance suites, unchanged, on the cluster adapter against real
 * Apache Cassandra and OpenSearch. It starts nothing itself: the engines come from the
 * environment (scripts/engines/{cassandra,opensearch}.sh start):
 *
 *   WAGGLE_TEST_CASSANDRA=127.0.0.1:9042 WAGGLE_TEST_OPENSEARCH=http://127.0.0.1:9200 node scripts/test.mjs server-cluster
 *
 * Optional: WAGGLE_TEST_CASSANDRA_USER / _PASSWORD (default cassandra/cassandra),
 * WAGGLE_TEST_CASSANDRA_DC (datacenter1), WAGGLE_TEST_CASSANDRA_RF (1). Every store gets a fresh namespace in one test
 * keyspace (`waggle_test`), so the suites do not create tables per test.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { runEntityStoreConformance } from '@waggle/server/src/storage/conformance/entity-store.conformance.js';
import type { EntityStore } from '@waggle/server/src/storage/entity-store.js';
import { ALL_ORGS, ENTITIES, RESTRICTED_TO, SYSTEM_FIELDS, entityDef, fieldDef } from '@waggle/server/src/entities/registry.js';
import { ConflictError, NotFoundError, SearchError } from '@waggle/server/src/errors/errors.js';
import { q } from '@waggle/server/src/query/ir.js';
import { DERIVED_FIELDS } from '@waggle/server/src/query/derived-fields.js';
import { bucketStart } from '@waggle/server/src/query/aggregate-docs.js';
import { CassandraOpenSearchEntityStore, type ClusterDeps, type ClusterEntityStoreOptions } from './cluster-entity-store.js';

const CASSANDRA = process.env.WAGGLE_TEST_CASSANDRA;
const OPENSEARCH = process.env.WAGGLE_TEST_OPENSEARCH;
const SKIP =
  CASSANDRA && OPENSEARCH
    ? undefined
    : 'needs real engines: set WAGGLE_TEST_CASSANDRA=host:port and WAGGLE_TEST_OPENSEARCH=http://host:port (scripts/engines/*.sh start)';

export const deps: ClusterDeps = {
  registry: { ENTITIES, entityDef, fieldDef, SYSTEM_FIELDS, ALL_ORGS, RESTRICTED_TO, DERIVED_FIELDS },
  errors: { ConflictError, NotFoundError, SearchError },
  bucketStart,
};

/** Replication factor of the test keyspace: 3 against a 3-node cluster (`cassandra.sh start --nodes 3`). */
const RF = Number(process.env.WAGGLE_TEST_CASSANDRA_RF ?? 1);
const run = randomBytes(4).toString('hex');
let n = 0;

function options(namespace: string, overrides: Partial<ClusterEntityStoreOptions['cassandra']> = {}): ClusterEntityStoreOptions {
  const [host, port] = (CASSANDRA ?? '127.0.0.1:9042').split(':');
  return {
    cassandra: {
      contactPoints: [`${host}:${port ?? '9042'}`],
      localDataCenter: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
      keyspace: RF === 1 ? 'waggle_test' : `waggle_test_rf${RF}`,
      username: process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra',
      password: process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra',
      replicationFactor: RF,
      ...overrides,
    },
    // a short refresh interval: every write waits for the next refresh (refresh=wait_for)
    opensearch: { nodes: [OPENSEARCH ?? 'http://127.0.0.1:9200'], indexPrefix: 'waggle_test_', refreshInterval: '100ms' },
    namespace,
  };
}

const namespaces = new WeakMap<EntityStore, string>();

async function open(namespace: string): Promise<CassandraOpenSearchEntityStore> {
  const s = new CassandraOpenSearchEntityStore(options(namespace), deps);
  await s.init();
  namespaces.set(s, namespace);
  return s;
}

if (SKIP) {
  describe('EntityStore conformance: cassandra+opensearch', () => {
    test('conformance suites on real Cassandra and OpenSearch', { skip: SKIP }, () => undefined);
  });
} else {
  runEntityStoreConformance('cassandra+opensearch', () => open(`${run}-${++n}`), {
    reopen: async (s) => {
      const ns = namespaces.get(s);
      if (!ns) throw new Error('not a store of this factory');
      await s.close();
      return open(ns);
    },
  });

  describe('cluster adapter specifics', () => {
    const stores: CassandraOpenSearchEntityStore[] = [];
    after(async () => {
      for (const s of stores) await s.close();
    });

    test('a failed index write is acknowledged, queued in the outbox and repaired by repairIndex()', async () => {
      const ns = `${run}-outbox`;
      const s = await open(ns);
      stores.push(s);
      // A second store on the same namespace whose index writes fail. Stopping the shared OpenSearch
      // would disturb the other suites, so this store's transport refuses every request (the only
      // stand-in in this file); its Cassandra is the real one.
      const s2 = await open(ns);
      stores.push(s2);
      (s2 as unknown as { search: { request(): Promise<never> } }).search = {
        request: () => Promise.reject(new Error('connect ECONNREFUSED (simulated OpenSearch outage)')),
      };
      const doc = await s2.insert({ _id: s2.newId(), _type: 'case', _createdAt: 1, _createdBy: 't', _orgs: ['o'], _parents: {}, title: 'queued' });
      assert.deepEqual(await s.get('case', doc._id), doc, 'the write is in Cassandra');
      const before = await s.query({ entity: 'case', where: q.eq('title', 'queued'), sort: [], output: { kind: 'count' } });
      assert.deepEqual(before, { kind: 'count', count: 0 }, 'not indexed yet');
      assert.equal(await s.outboxSize(), 1);
      assert.equal(await s.repairIndex(), 1);
      assert.equal(await s.outboxSize(), 0);
      const afterRepair = await s.query({ entity: 'case', where: q.eq('title', 'queued'), sort: [], output: { kind: 'count' } });
      assert.deepEqual(afterRepair, { kind: 'count', count: 1 });
    });

    test('a batch whose outcome is open (write timeout) answers the error, and its documents are indexed by the repair job once due', async () => {
      const ns = `${run}-open-outcome`;
      const s = new CassandraOpenSearchEntityStore({ ...options(ns), unknownOutcomeRecheckMs: 1500 }, deps);
      await s.init();
      stores.push(s);
      // Cassandra applies the logged batch, then its coordinator times out (what a batchlog entry
      // replayed after a node's loss amounts to): the real batch runs, then this error is thrown,
      // the only stand-in in this test
      const cql = (s as unknown as { cql: { batch(q: unknown, o: { logged?: boolean }): Promise<unknown> } }).cql;
      const real = cql.batch.bind(cql);
      cql.batch = async (queries, o) => {
        const r = await real(queries, o);
        if (!o.logged) return r;
        throw Object.assign(new cassandra.errors.ResponseError(0x1100, 'Server timeout during batch write at consistency LOCAL_QUORUM'), {
          writeType: 'BATCH',
        });
      };
      const doc = (id: string) => ({ _id: id, _type: 'case', _createdAt: 1, _createdBy: 't', _orgs: ['o'], _parents: {}, title: 'open outcome' });
      const ids = [s.newId(), s.newId()];
      await assert.rejects(s.batch(ids.map((id) => ({ op: 'insert' as const, doc: doc(id) }))), /Server timeout during batch write/);
      cql.batch = real;
      assert.equal((await s.getMany('case', ids)).length, 2, 'Cassandra has both');
      const count = () => s.query({ entity: 'case', where: q.eq('title', 'open outcome'), sort: [], output: { kind: 'count' } });
      assert.deepEqual(await count(), { kind: 'count', count: 0 }, 'not indexed');
      assert.equal(await s.outboxSize(), 2);
      assert.equal(await s.repairIndex(), 0, 'not due yet: the batchlog replay goes first');
      await new Promise((r) => setTimeout(r, 1600));
      assert.equal(await s.repairIndex(), 2);
      assert.equal(await s.outboxSize(), 0);
      assert.deepEqual(await count(), { kind: 'count', count: 2 }, 'the index converged to Cassandra');
    });

    test('repairIndex() drains an outbox of more than one bulk request (200 entries each)', async () => {
      const ns = `${run}-outbox-many`;
      const s = await open(ns);
      const s2 = await open(ns);
      stores.push(s, s2);
      // as above: this second store's index writes fail (a stand-in for an OpenSearch outage)
      (s2 as unknown as { search: { request(): Promise<never> } }).search = {
        request: () => Promise.reject(new Error('connect ECONNREFUSED (simulated OpenSearch outage)')),
      };
      const docs = await Promise.all(
        Array.from({ length: 205 }, (_, i) =>
          s2.insert({ _id: s2.newId(), _type: 'case', _createdAt: i, _createdBy: 't', _orgs: ['o'], _parents: {}, title: 'queued many' }),
        ),
      );
      await s.delete('case', docs[0]!._id);
      assert.equal(await s.outboxSize(), 205);
      assert.equal(await s.repairIndex(), 205);
      assert.equal(await s.outboxSize(), 0);
      const count = await s.query({ entity: 'case', where: q.eq('title', 'queued many'), sort: [], output: { kind: 'count' } });
      assert.deepEqual(count, { kind: 'count', count: 204 }, 'every queued document indexed, the deleted one not');
    });

    test('reindex rebuilds missing index entries from Cassandra, with progress', async () => {
      const ns = `${run}-reindex`;
      const s = await open(ns);
      stores.push(s);
      // documents written while the index refused them (same stand-in as the outbox test), outbox lost
      const writer = await open(ns);
      stores.push(writer);
      (writer as unknown as { search: { request(): Promise<never> } }).search = {
        request: () => Promise.reject(new Error('connect ECONNREFUSED (simulated OpenSearch outage)')),
      };
      const docs = await writer.batch(
        Array.from({ length: 30 }, (_, i) => ({
          op: 'insert' as const,
          doc: { _id: writer.newId(), _type: 'task', _createdAt: i, _createdBy: 't', _orgs: ['o'], _parents: {}, title: `task ${i}`, group: 'g' },
        })),
      );
      assert.equal(docs.length, 30);
      const count = async (): Promise<unknown> => s.query({ entity: 'task', where: q.eq('group', 'g'), sort: [], output: { kind: 'count' } });
      assert.deepEqual(await count(), { kind: 'count', count: 0 });
      const progress: number[] = [];
      assert.equal(await s.reindex((type, done) => (type === 'task' ? progress.push(done) : undefined)), 30);
      assert.deepEqual(progress, [30]);
      assert.deepEqual(await count(), { kind: 'count', count: 30 });
      // the outbox entries are now redundant; repairing them changes nothing
      assert.equal(await s.repairIndex(), 30);
      assert.deepEqual(await count(), { kind: 'count', count: 30 });
    });

    test('"all rows" (to far beyond index.max_result_window, as services ask) reads past the window with search_after', async () => {
      const s = await open(`${run}-window`);
      stores.push(s);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const d = await s.insert({ _id: s.newId(), _type: 'case', _createdAt: 1000 + i, _createdBy: 't', _orgs: ['o'], _parents: {}, title: `w${i}` });
        ids.push(d._id);
      }
      const rows = async (from: number, to: number): Promise<string[]> => {
        const r = await s.query({ entity: 'case', where: q.true(), sort: [{ field: '_createdAt', dir: 'desc' }], output: { kind: 'rows', from, to } });
        assert.equal(r.kind, 'rows');
        return r.kind === 'rows' ? r.rows.map((d) => d._id) : [];
      };
      const newestFirst = [...ids].reverse();
      assert.deepEqual(await rows(0, 10_000_000), newestFirst, 'every row, in order (a 400 "Result window is too large" before)');
      assert.deepEqual(await rows(4, 10_000_000), newestFirst.slice(4), 'from an offset');
      assert.deepEqual(await rows(4, 8), newestFirst.slice(4, 8), 'a small window as before');
    });

    test('a wrong password gives one clear sentence, not a driver stack trace', async () => {
      const s = new CassandraOpenSearchEntityStore(options(`${run}-auth`, { password: 'not-the-password' }), deps);
      await assert.rejects(s.init(), (e: Error) => {
        assert.equal(e.name, 'ClusterStoreError');
        assert.match(e.message, /Cassandra authentication failed for user "cassandra"/);
        return true;
      });
    });

    test('a keyspace wanting more replicas than nodes up is refused with the numbers', async () => {
      const s = new CassandraOpenSearchEntityStore(options(`${run}-rf`, { keyspace: `waggle_test_rf9`, replicationFactor: 9 }), deps);
      try {
        await assert.rejects(s.init(), (e: Error) => {
          assert.equal(e.name, 'ClusterStoreError');
          assert.match(e.message, /replication_factor 9 .* but only \d+ nodes? (is|are) up: LOCAL_QUORUM needs 5/);
          return true;
        });
      } finally {
        await s.close().catch(() => undefined);
      }
    });
  });
}
