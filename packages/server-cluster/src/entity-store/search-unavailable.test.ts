/**
 * A query that OpenSearch cannot answer (down: nothing listens; or restarting: it answers 503
 * while its shards are not allocated) is the API's 503 ServiceUnavailable, never a 500 (issue 7,
 * fault tests: list queries during an OpenSearch outage). No engine is needed: the store is not
 * initialised (a query reaches OpenSearch before Cassandra); the "restarting" OpenSearch is a
 * local HTTP server answering 503 the way OpenSearch does, since a real one cannot be held in
 * that state on purpose.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConflictError, NotFoundError, SearchError, ServiceUnavailableError } from '@waggle/server/src/errors/errors.js';
import { ALL_ORGS, ENTITIES, RESTRICTED_TO, SYSTEM_FIELDS, entityDef, fieldDef } from '@waggle/server/src/entities/registry.js';
import { q } from '@waggle/server/src/query/ir.js';
import { freePort } from '../../../../test/support/server-process.js';
import { CassandraOpenSearchEntityStore } from './cluster-entity-store.js';

const servers: Server[] = [];
const stores: CassandraOpenSearchEntityStore[] = [];
after(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  for (const s of servers) s.close();
});

function store(opensearch: string, withUnavailable = true): CassandraOpenSearchEntityStore {
  const s = new CassandraOpenSearchEntityStore(
    {
      cassandra: { contactPoints: ['127.0.0.1'], localDataCenter: 'datacenter1', keyspace: 'never_opened', replicationFactor: 1 },
      opensearch: { nodes: [opensearch] },
    },
    {
      registry: { ENTITIES, entityDef, fieldDef, SYSTEM_FIELDS, ALL_ORGS, RESTRICTED_TO },
      errors: { ConflictError, NotFoundError, SearchError, ...(withUnavailable ? { ServiceUnavailableError } : {}) },
    },
  );
  stores.push(s);
  return s;
}

const count = (s: CassandraOpenSearchEntityStore): Promise<unknown> => s.query({ entity: 'case', where: q.true(), sort: [], output: { kind: 'count' } });

test('a query while OpenSearch does not answer is a ServiceUnavailable (503) that says so', async () => {
  const port = await freePort(); // nothing listens there
  await assert.rejects(count(store(`http://127.0.0.1:${port}`)), (e: unknown) => {
    assert.ok(e instanceof ServiceUnavailableError, String(e));
    assert.equal(e.status, 503);
    assert.match(e.message, /Search is unavailable: OpenSearch .* did not answer/);
    return true;
  });
});

test('a query while OpenSearch answers 503 (shards not allocated yet) is a ServiceUnavailable too', async () => {
  const srv = createServer((req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'search_phase_execution_exception', reason: 'all shards failed' }, status: 503 }));
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await assert.rejects(count(store(`http://127.0.0.1:${port}`)), (e: unknown) => {
    assert.ok(e instanceof ServiceUnavailableError, String(e));
    assert.match(e.message, /answered 503/);
    return true;
  });
});

test('a query OpenSearch refuses as bad (4xx) is not turned into a 503', async () => {
  const srv = createServer((req, res) => {
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'parsing_exception', reason: 'bad query' }, status: 400 }));
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await assert.rejects(count(store(`http://127.0.0.1:${port}`)), (e: unknown) => !(e instanceof ServiceUnavailableError) && !(e instanceof SearchError));
});

test('without the error class from the server, the client error is left as it is', async () => {
  const port = await freePort();
  await assert.rejects(count(store(`http://127.0.0.1:${port}`, false)), (e: unknown) => !(e instanceof ServiceUnavailableError));
});
