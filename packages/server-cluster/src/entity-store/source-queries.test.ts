/**
 * Queries answered from Cassandra while OpenSearch is down (source-queries.ts): which shapes
 * qualify (no engine needed), and, on real Cassandra with OpenSearch cut off by a relay, that the
 * `children` relation follows inserts, batches, parent changes and deletes, that small definition
 * types are read whole, and that everything else still answers 503.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, SearchError, ServiceUnavailableError } from '@waggle/server/src/errors/errors.js';
import { ALL_ORGS, ENTITIES, RESTRICTED_TO, SYSTEM_FIELDS, entityDef, fieldDef } from '@waggle/server/src/entities/registry.js';
import { DERIVED_FIELDS } from '@waggle/server/src/query/derived-fields.js';
import { bucketStart } from '@waggle/server/src/query/aggregate-docs.js';
import { q, type Query } from '@waggle/server/src/query/ir.js';
import type { Doc, NewDoc } from '@waggle/server/src/storage/entity-store.js';
import { CASSANDRA, OPENSEARCH } from '../../../../test/cluster/cluster-test-env.js';
import { CassandraOpenSearchEntityStore } from './cluster-entity-store.js';
import { answerFromDocs, sourcePlan } from './source-queries.js';
import { Relay } from './relay.fixture.js';

const doc = (id: string, type: string, fields: Record<string, unknown> = {}, parents: Record<string, string> = {}): Doc => ({
  _id: id,
  _type: type,
  _createdAt: 1,
  _createdBy: 't',
  _version: 1,
  _orgs: ['o1'],
  _parents: parents,
  ...fields,
});

describe('source-queries: the shapes Cassandra answers', () => {
  const rows = (entity: string, where: Query['where']): Query => ({ entity, where, sort: [], output: { kind: 'rows', from: 0, to: 10 } });

  test('children of given parents, small definition types; not traversals nor other lists', () => {
    assert.deepEqual(sourcePlan(rows('observable', q.and(q.parentId('alert', '~1'), q.eq('dataType', 'ip')))), {
      kind: 'children',
      relation: 'alert',
      parentIds: ['~1'],
    });
    assert.deepEqual(sourcePlan(rows('customField', q.true())), { kind: 'scan' });
    assert.deepEqual(sourcePlan(rows('observableType', q.eq('name', 'ip'))), { kind: 'scan' });
    assert.equal(sourcePlan(rows('case', q.eq('title', 'x'))), undefined, 'a case list needs the index');
    assert.equal(sourcePlan(rows('observable', q.or(q.parentId('case', '~1'), q.parentId('case', '~2')))), undefined, 'parentId under or: no root set');
    const traversal = { kind: 'parent', relation: 'case', parentType: 'case', where: q.true() } as const;
    assert.equal(sourcePlan(rows('task', q.and(q.parentId('case', '~1'), traversal))), undefined);
  });

  test('filter, sort (missing values last ascending, first descending, ties by id), window, count and aggregations', () => {
    const docs = [
      doc('~3', 'task', { order: 2, status: 'Waiting' }),
      doc('~1', 'task', { order: 1, status: 'Waiting' }),
      doc('~2', 'task', { status: 'Cancel' }),
    ];
    const base = { entity: 'task', where: q.not(q.eq('status', 'Cancel')) };
    assert.deepEqual(answerFromDocs({ ...base, sort: [], output: { kind: 'count' } }, docs), { kind: 'count', count: 2 });
    const ids = (sort: Query['sort'], from = 0, to = 10, where = q.true()): string[] => {
      const r = answerFromDocs({ entity: 'task', where, sort, output: { kind: 'rows', from, to } }, docs);
      return r.kind === 'rows' ? r.rows.map((d) => d._id) : [];
    };
    assert.deepEqual(ids([{ field: 'order', dir: 'asc' }]), ['~1', '~3', '~2']);
    assert.deepEqual(ids([{ field: 'order', dir: 'desc' }]), ['~2', '~3', '~1']);
    assert.deepEqual(ids([]), ['~1', '~2', '~3']);
    assert.deepEqual(ids([{ field: 'order', dir: 'asc' }], 1, 2), ['~3']);
    const agg = answerFromDocs({ entity: 'task', where: q.true(), sort: [], output: { kind: 'aggregate', aggs: [{ kind: 'count', name: 'n' }] } }, docs);
    assert.deepEqual(agg, { kind: 'aggregate', result: { n: 3 } });
  });
});

const SKIP = CASSANDRA && OPENSEARCH ? undefined : 'needs real engines: set WAGGLE_TEST_CASSANDRA and WAGGLE_TEST_OPENSEARCH (scripts/engines/*.sh start)';
const RF = Number(process.env.WAGGLE_TEST_CASSANDRA_RF ?? 1);

describe('the cluster store while OpenSearch is down', { skip: SKIP }, () => {
  const relay = new Relay(new URL(OPENSEARCH ?? 'http://127.0.0.1:9200'));
  let s: CassandraOpenSearchEntityStore;
  const namespace = `srcq-${randomBytes(4).toString('hex')}`;
  const extra: CassandraOpenSearchEntityStore[] = [];
  const store = (port: number, ns = namespace): CassandraOpenSearchEntityStore =>
    new CassandraOpenSearchEntityStore(
      {
        cassandra: {
          contactPoints: [CASSANDRA ?? '127.0.0.1:9042'],
          localDataCenter: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
          keyspace: RF === 1 ? 'waggle_test' : `waggle_test_rf${RF}`,
          username: process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra',
          password: process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra',
          replicationFactor: RF,
        },
        opensearch: { nodes: [`http://127.0.0.1:${port}`], indexPrefix: 'waggle_test_', refreshInterval: '100ms' },
        namespace: ns,
      },
      {
        registry: { ENTITIES, entityDef, fieldDef, SYSTEM_FIELDS, ALL_ORGS, RESTRICTED_TO, DERIVED_FIELDS },
        errors: { ConflictError, NotFoundError, SearchError, ServiceUnavailableError },
        bucketStart,
      },
    );
  before(async () => {
    await relay.up();
    s = store(relay.port);
    await s.init();
  });
  after(async () => {
    await relay.down();
    await s?.close();
    for (const x of extra) await x.close().catch(() => undefined);
  });

  const nd = (type: string, fields: Record<string, unknown>, parents: Record<string, string> = {}): NewDoc => ({
    _id: s.newId(),
    _type: type,
    _createdAt: Date.now(),
    _createdBy: 't',
    _orgs: ['o1'],
    _parents: parents,
    ...fields,
  });
  const children = async (caseId: string): Promise<string[]> => {
    const r = await s.query({
      entity: 'observable',
      where: q.parentId('case', caseId),
      sort: [{ field: 'data', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: 100 },
    });
    return r.kind === 'rows' ? r.rows.map((d) => String(d.data)) : [];
  };

  test('children follow inserts, batches, a parent change and deletes; definitions are read whole; a list is a 503', async () => {
    const c1 = await s.insert(nd('case', { title: 'one' }));
    const c2 = await s.insert(nd('case', { title: 'two' }));
    const a = await s.insert(nd('observable', { dataType: 'ip', data: 'a' }, { case: c1._id }));
    const [b, c] = (await s.batch([
      { op: 'insert', doc: nd('observable', { dataType: 'ip', data: 'b' }, { case: c1._id }) },
      { op: 'insert', doc: nd('observable', { dataType: 'domain', data: 'c' }, { case: c2._id }) },
    ])) as Doc[];
    const d = await s.insert(nd('observable', { dataType: 'ip', data: 'd' }, { case: c1._id }));
    await s.insert(nd('customField', { name: 'hits', type: 'integer' }));
    await s.insert(nd('customField', { name: 'owner', type: 'string' }));
    await relay.down();

    assert.deepEqual(await children(c1._id), ['a', 'b', 'd']);
    // b moves to c2 (single update), d is deleted, a is deleted in a batch with c's update
    await s.update('observable', b!._id, { _parents: { case: c2._id } }, 't');
    assert.equal(await s.delete('observable', d._id), true);
    await s.batch([
      { op: 'delete', type: 'observable', id: a._id },
      { op: 'update', type: 'observable', id: c!._id, patch: { tags: ['x'] }, by: 't' },
    ]);
    assert.deepEqual(await children(c1._id), []);
    assert.deepEqual(await children(c2._id), ['b', 'c']);
    const ips = await s.query({
      entity: 'observable',
      where: q.and(q.parentId('case', c1._id, c2._id), q.eq('dataType', 'ip')),
      sort: [],
      output: { kind: 'count' },
    });
    assert.deepEqual(ips, { kind: 'count', count: 1 });

    const cfs = await s.query({ entity: 'customField', where: q.true(), sort: [{ field: 'name', dir: 'asc' }], output: { kind: 'rows', from: 0, to: 100 } });
    assert.deepEqual(cfs.kind === 'rows' ? cfs.rows.map((r) => r.name) : cfs, ['hits', 'owner']);

    await assert.rejects(
      s.query({ entity: 'case', where: q.true(), sort: [], output: { kind: 'count' } }),
      (e: unknown) => e instanceof ServiceUnavailableError && /Search is unavailable/.test(e.message),
    );

    // back up: the index answers again (the failed index writes wait in the outbox for repairIndex)
    await relay.up();
    await s.repairIndex();
    const indexed = await s.query({ entity: 'case', where: q.true(), sort: [], output: { kind: 'count' } });
    assert.deepEqual(indexed, { kind: 'count', count: 2 });
  });

  test('a store that ran before starts while OpenSearch is down; a new one does not; the repair job creates what is missing once it is back', async () => {
    // a relay of its own, closed from the start: this process has not checked the indexes through it
    const own = new Relay(new URL(OPENSEARCH ?? 'http://127.0.0.1:9200'));
    await own.up();
    await own.down();
    const fresh = store(own.port, `srcq-new-${randomBytes(4).toString('hex')}`);
    extra.push(fresh);
    await assert.rejects(fresh.init(), /OpenSearch is not reachable/);

    const again = store(own.port); // the namespace of the first test's store
    extra.push(again);
    await again.init();
    const kase = await again.insert(nd('case', { title: 'written while OpenSearch was down at start' }));
    const obs = await again.insert(nd('observable', { dataType: 'ip', data: 'z' }, { case: kase._id }));
    const r = await again.query({ entity: 'observable', where: q.parentId('case', kase._id), sort: [], output: { kind: 'rows', from: 0, to: 10 } });
    assert.deepEqual(r.kind === 'rows' ? r.rows.map((d) => d._id) : r, [obs._id]);
    await assert.rejects(again.query({ entity: 'case', where: q.true(), sort: [], output: { kind: 'count' } }), ServiceUnavailableError);

    await own.up();
    await again.repairIndex();
    const found = await again.query({
      entity: 'case',
      where: q.eq('title', 'written while OpenSearch was down at start'),
      sort: [],
      output: { kind: 'count' },
    });
    assert.deepEqual(found, { kind: 'count', count: 1 });
    await own.down();
  });
});
