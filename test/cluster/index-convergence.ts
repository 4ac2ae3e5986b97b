/**
 * The fault suite's view of the cluster store from outside Waggle (issue 7, done-when 3): the ids
 * of every entity type in Cassandra (the source of truth) and in OpenSearch, and the repair job run
 * on the nodes' own keyspace and indexes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { ENTITIES } from '../../packages/server/src/entities/registry.js';
import { loadConfig } from '../../packages/server/src/config/config.js';
import { openEntityStore } from '../../packages/server/src/server.js';
import { entityTable } from '../../packages/server-cluster/src/cassandra/schema.js';

/** The store namespace Waggle nodes use (`storage.cluster` without a namespace). */
const NS = 'default';

export interface TypeDiff {
  type: string;
  cassandra: number;
  opensearch: number;
  /** In Cassandra, not in the index. */
  missing: string[];
  /** In the index, not in Cassandra. */
  extra: string[];
}

async function cassandraIds(client: cassandra.Client, keyspace: string, type: string): Promise<Set<string>> {
  const ids = new Set<string>();
  // the namespace is part of the partition key: a full scan, paged
  await new Promise<void>((resolve, reject) => {
    client.eachRow(
      `SELECT ns, id FROM ${keyspace}.${entityTable(type)}`,
      [],
      { prepare: true, autoPage: true, fetchSize: 2000, consistency: cassandra.types.consistencies.localQuorum },
      (_n, row: cassandra.types.Row) => {
        if (row.ns === NS) ids.add(String(row.id));
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
  return ids;
}

async function indexIds(opensearch: string, index: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: unknown[] | undefined;
  for (;;) {
    const r = await fetch(`${opensearch}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: { term: { _ns: NS } },
        size: 5000,
        sort: [{ _wid: 'asc' }],
        _source: false,
        docvalue_fields: ['_wid'],
        ...(after ? { search_after: after } : {}),
      }),
    });
    if (r.status === 404) return ids;
    if (!r.ok) throw new Error(`OpenSearch ${index}: ${r.status} ${await r.text()}`);
    const hits = ((await r.json()) as { hits: { hits: Array<{ sort: unknown[]; fields?: { _wid?: string[] } }> } }).hits.hits;
    for (const h of hits) if (h.fields?._wid?.[0]) ids.add(h.fields._wid[0]);
    if (hits.length < 5000) return ids;
    after = hits[hits.length - 1]!.sort;
  }
}

/** Per entity type, the ids of Cassandra against those of OpenSearch (after a refresh). */
export async function compareIndex(env: Record<string, string>): Promise<TypeDiff[]> {
  const keyspace = env.WAGGLE_CASSANDRA_KEYSPACE!;
  const prefix = env.WAGGLE_OPENSEARCH_INDEX_PREFIX!;
  const opensearch = env.WAGGLE_OPENSEARCH_NODES!;
  await fetch(`${opensearch}/${prefix}*/_refresh`, { method: 'POST' });
  const client = new cassandra.Client({
    contactPoints: env.WAGGLE_CASSANDRA_CONTACT_POINTS!.split(','),
    localDataCenter: 'datacenter1',
    credentials: { username: env.WAGGLE_CASSANDRA_USERNAME!, password: env.WAGGLE_CASSANDRA_PASSWORD! },
  });
  try {
    const out: TypeDiff[] = [];
    for (const def of ENTITIES.values()) {
      const inCassandra = await cassandraIds(client, keyspace, def.name);
      const inIndex = await indexIds(opensearch, `${prefix}${def.name.toLowerCase()}`);
      out.push({
        type: def.name,
        cassandra: inCassandra.size,
        opensearch: inIndex.size,
        missing: [...inCassandra].filter((id) => !inIndex.has(id)),
        extra: [...inIndex].filter((id) => !inCassandra.has(id)),
      });
    }
    return out;
  } finally {
    await client.shutdown();
  }
}

/**
 * Runs the index repair job once on the nodes' keyspace and indexes, the way a node holding the
 * repair lease does (`repairIndex()` of the cluster EntityStore). Resolves the outbox size before
 * the run and the number of entries repaired.
 */
export async function repairOnce(env: Record<string, string>): Promise<{ outbox: number; repaired: number; left: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'waggle-repair-'));
  const store = (await openEntityStore(loadConfig({ ...env, WAGGLE_MODE: 'test', WAGGLE_DATA_DIR: dir }, dir))) as Awaited<
    ReturnType<typeof openEntityStore>
  > & { repairIndex(): Promise<number>; outboxSize(): Promise<number> };
  try {
    await store.init();
    const outbox = await store.outboxSize();
    const repaired = await store.repairIndex();
    return { outbox, repaired, left: await store.outboxSize() };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
