/**
 * The cluster EntityStore: Apache Cassandra is the source of truth, OpenSearch answers every
 * query, sort and aggregation (DESIGN.md §3).
 *
 * Writes: Cassandra first, at LOCAL_QUORUM, with lightweight transactions (LOCAL_SERIAL) for
 * insert conflicts (`IF NOT EXISTS`), optimistic versions (`IF version = ?`), `claimUnique`,
 * sequences and id blocks. Then the changed documents are indexed in one bulk request with
 * `refresh=wait_for` (a client reads its own writes) and external versions (an older version
 * never overwrites a newer one). When indexing fails the write is still acknowledged, since
 * Cassandra has it, and an outbox row is written; `repairIndex()` drains the outbox.
 *
 * `batch()` semantics, "atomic within one backend":
 * 1. under a per-document in-process lock, the current documents are read (LOCAL_QUORUM) and every
 *    op is checked and applied in order on an overlay (insert conflicts, versions, missing docs);
 * 2. claims are taken with LWT; if one is refused, the claims taken so far are released;
 * 3. every document write and release goes in one logged batch (all or nothing in Cassandra);
 *    if it fails, the claims of step 2 are released.
 * Between step 1 and 3 a writer on another node can change a document of the batch (the check
 * is not conditional across partitions); single-op batches use the LWT methods and have no
 * such window. Releases are plain deletes inside the logged batch, on rows that claims wrote
 * with LWT (Cassandra advises against mixing the two on one row; the timestamps are both
 * client/coordinator microseconds here, so a later release wins).
 *
 * Reads: `get`/`getMany` read Cassandra. `query` rows come from OpenSearch ids, then Cassandra
 * documents (queries never return an index's stale copy). While OpenSearch does not answer, the
 * queries of the create, read-by-id and update paths (children of given parents, small definition
 * types) are answered from Cassandra (`source-queries.ts`, through the `children` relation table
 * every write maintains); the others answer 503.
 */
import cassandra from 'cassandra-driver';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import type { BatchOp, Doc, EntityStore, NewDoc, Patch, ScanPage, StoreCounters, UniqueClaim } from '@waggle/server/src/storage/entity-store.js';
import type { Query, QueryResult } from '@waggle/server/src/query/ir.js';
import type { EntityDef } from '@waggle/server/src/entities/registry.js';
import type { ClusterDeps } from '../deps.js';
import { connectError, isBatchlogTimeout, isRetryableLwt, isUnknownWriteOutcome, replicationError, ClusterStoreError } from '../cassandra/cassandra-errors.js';
import { MIGRATIONS, entityTable, entityTableStatements, quoteIdent } from '../cassandra/schema.js';
import { indexBody, project } from '../opensearch/projection.js';
import { compileExpr, compileSort, type CompileCtx, type Dsl } from '../opensearch/compile.js';
import { compileAggs } from '../opensearch/aggs.js';
import { KeyedMutex } from './keyed-mutex.js';
import { MAX_SOURCE_CANDIDATES, answerFromDocs, sourcePlan } from './source-queries.js';

export type { ClusterDeps } from '../deps.js';

export interface ClusterEntityStoreOptions {
  cassandra: {
    contactPoints: readonly string[];
    localDataCenter: string;
    keyspace: string;
    username?: string;
    password?: string;
    /** Replication factor of the keyspace when this store creates it (3 in production). */
    replicationFactor: number;
  };
  opensearch: {
    nodes: readonly string[];
    /** Prefix of the index names (`<prefix><type>`); default `waggle_`. */
    indexPrefix?: string;
    /**
     * The indexes' `refresh_interval` (default `1s`). Writes wait for the next refresh
     * (`refresh=wait_for`), so this bounds how long a write waits to be searchable.
     */
    refreshInterval?: string;
  };
  /**
   * Store namespace: several logical stores may share one keyspace and one set of indexes
   * (tests use a fresh one per store). `default` when not given (Cassandra refuses empty keys).
   */
  namespace?: string;
  /** Ids reserved per durable block (one LWT per block). */
  idBlockSize?: number;
  /**
   * When the repair job looks again at the documents of a batch whose outcome is open (a write
   * timeout); default 60 s (Cassandra's batchlog replay first).
   */
  unknownOutcomeRecheckMs?: number;
  /**
   * Opens an existing keyspace without writing to it (`waggle migrate-storage` reading its source):
   * no schema migration, no index creation, no id block reserved. Only reads and scans may be used.
   */
  readOnly?: boolean;
}

/** The slice of the OpenSearch client this adapter calls (STYLE habit 6). */
interface SearchTransport {
  request(params: {
    method: string;
    path: string;
    body?: unknown;
    bulkBody?: unknown[];
    querystring?: Record<string, unknown>;
  }): Promise<{ body: unknown; statusCode?: number | null }>;
}

const { consistencies } = cassandra.types;
const EXEC = { prepare: true, consistency: consistencies.localQuorum, serialConsistency: consistencies.localSerial };
const SERIAL_READ = { prepare: true, consistency: consistencies.localSerial };
/**
 * Plain reads are idempotent: the driver may send them to a second coordinator after
 * {@link SPECULATIVE_DELAY_MS} (a node that hangs or died without closing its connections), and
 * retries them on the next node after a connection error.
 */
const READ = { ...EXEC, isIdempotent: true };
const SPECULATIVE_DELAY_MS = 1000;
const MAX_LWT_ATTEMPTS = 50;
const PAGE = 5000;
/** The first id of a new store: small ids (`~1`) are never generated. */
const FIRST_ID = 1_000_000;

/** Schemas and index mappings this process already checked (stores opened again skip the round trips). */
const ENSURED = new Set<string>();

const IMMUTABLE = new Set(['_id', '_type', '_version', '_createdAt', '_createdBy']);

interface Row {
  doc: string;
  version: number;
}

type Stmt = { query: string; params: unknown[] };

/**
 * When the documents of a logged batch whose outcome is open (a write timeout) are looked at again
 * by the repair job: after Cassandra's batchlog replay (every 10 s, for entries older than twice the
 * write timeout) had its chance to apply it.
 */
const UNKNOWN_OUTCOME_RECHECK_MS = 60_000;

/** How long a logged batch whose batchlog write timed out is tried again (see `loggedBatch`). */
const BATCHLOG_RETRY_MS = 15_000;

/** How long after OpenSearch failed to answer the queries Cassandra can answer go to Cassandra first. */
const SEARCH_DOWN_MS = 5_000;

/** The distinct parent ids a document names in `_parents`. */
function parentIds(doc: { _parents?: unknown } | undefined): string[] {
  const p = doc?._parents;
  if (!p || typeof p !== 'object') return [];
  const out = new Set<string>();
  for (const v of Object.values(p as Record<string, unknown>)) {
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string' && x !== '') out.add(x);
  }
  return [...out];
}

/** OpenSearch did not answer (unreachable, timed out) or answered 5xx (shards not allocated yet). */
function searchDown(e: unknown): boolean {
  const err = e as { name?: string; meta?: { statusCode?: number | null } } | undefined;
  return ['ConnectionError', 'NoLivingConnectionsError', 'TimeoutError'].includes(String(err?.name)) || (err?.meta?.statusCode ?? 0) >= 500;
}

type Prepared = { doc: Doc; prevVersion: number | undefined; deleted?: false } | { deleted: true; type: string; id: string; prevVersion: number };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const backoff = (attempt: number): Promise<void> => sleep(Math.min(200, 2 ** Math.min(attempt, 7)) * (0.5 + Math.random()));

export class CassandraOpenSearchEntityStore implements EntityStore {
  private readonly cql: cassandra.Client;
  private readonly search: SearchTransport;
  private readonly osClient: OpenSearchClient;
  private readonly ns: string;
  private readonly prefix: string;
  private readonly blockSize: number;
  private readonly recheckMs: number;
  private readonly locks = new KeyedMutex();
  /** Reserved id ranges: `[next, end)` in use, then the one reserved ahead. */
  private ids = { next: 0, end: 0 };
  private ahead: { start: number; end: number } | undefined;
  private refill: Promise<void> | undefined;
  private readonly entities: EntityDef[];
  /** Until then, queries Cassandra can answer skip OpenSearch (it failed to answer just before). */
  private searchDownUntil = 0;
  /** Started while OpenSearch was down: the repair job checks the indexes first. */
  private indexesPending = false;

  constructor(
    private readonly opts: ClusterEntityStoreOptions,
    private readonly deps: ClusterDeps,
  ) {
    this.ns = opts.namespace || 'default';
    this.prefix = opts.opensearch.indexPrefix ?? 'waggle_';
    this.blockSize = opts.idBlockSize ?? 100_000;
    this.recheckMs = opts.unknownOutcomeRecheckMs ?? UNKNOWN_OUTCOME_RECHECK_MS;
    this.entities = [...deps.registry.ENTITIES.values()];
    const c = opts.cassandra;
    quoteIdent(c.keyspace);
    this.cql = new cassandra.Client({
      contactPoints: [...c.contactPoints],
      localDataCenter: c.localDataCenter,
      ...(c.username !== undefined ? { credentials: { username: c.username, password: c.password ?? '' } } : {}),
      queryOptions: { consistency: consistencies.localQuorum, serialConsistency: consistencies.localSerial, prepare: true },
      socketOptions: { readTimeout: 30_000 },
      policies: { speculativeExecution: new cassandra.policies.speculativeExecution.ConstantSpeculativeExecutionPolicy(SPECULATIVE_DELAY_MS, 1) },
    });
    this.osClient = new OpenSearchClient({ nodes: [...opts.opensearch.nodes] });
    this.search = this.osClient.transport as unknown as SearchTransport;
  }

  private index(type: string): string {
    return `${this.prefix}${type.toLowerCase()}`;
  }

  private table(type: string): string {
    return `${this.opts.cassandra.keyspace}.${entityTable(type)}`;
  }

  // ---------------------------------------------------------------- lifecycle and schema

  async init(): Promise<void> {
    const c = this.opts.cassandra;
    try {
      await this.cql.connect();
    } catch (e) {
      await this.cql.shutdown().catch(() => undefined);
      throw connectError(e, c.contactPoints, c.username);
    }
    if (this.opts.readOnly) {
      const ks = await this.cql.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [c.keyspace], { prepare: true });
      if (ks.rows.length === 0) throw new ClusterStoreError(`Cassandra keyspace "${c.keyspace}" does not exist: there is nothing to read`);
      return this.checkReplication();
    }
    await this.migrate();
    // a store that ran before (its id block exists) starts while OpenSearch is down: Cassandra is
    // the source of truth, and the repair job checks the indexes once OpenSearch answers. A new
    // store needs OpenSearch at its first start (a wrong address is then an error, not a silent start).
    const ranBefore = (await this.cql.execute(`SELECT next FROM ${c.keyspace}.id_blocks WHERE ns = ?`, [this.ns], READ)).rows.length > 0;
    try {
      await this.ensureIndexes();
    } catch (e) {
      if (!ranBefore || !searchDown(e instanceof ClusterStoreError ? e.cause : e)) throw e;
      this.indexesPending = true;
      this.searchDownUntil = Date.now() + SEARCH_DOWN_MS;
    }
    await this.reserveIds();
  }

  private async migrate(): Promise<void> {
    const c = this.opts.cassandra;
    const ks = c.keyspace;
    const memo = `${c.contactPoints.join(',')}|${ks}`;
    if (ENSURED.has(memo)) return this.checkReplication();
    // only when missing: Cassandra checks the CREATE permission even when the keyspace exists
    const existing = await this.cql.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true });
    if (existing.rows.length === 0) {
      await this.cql.execute(
        `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', '${c.localDataCenter.replace(/'/g, "''")}': ${Math.max(1, Math.trunc(c.replicationFactor))}}`,
      );
    }
    // before any read or write at LOCAL_QUORUM, which would fail with a driver error
    await this.checkReplication();
    await this.cql.execute(`CREATE TABLE IF NOT EXISTS ${ks}.migrations (version int PRIMARY KEY, name text, applied_at timestamp)`);
    const applied = new Set((await this.cql.execute(`SELECT version FROM ${ks}.migrations`, [], EXEC)).rows.map((r) => Number(r.version)));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const stmt of m.statements(this.entities)) await this.cql.execute(stmt.replace(/ TABLE IF NOT EXISTS /, ` TABLE IF NOT EXISTS ${ks}.`));
      if (m.backfill === 'children') await this.backfillChildren();
      await this.cql.execute(`INSERT INTO ${ks}.migrations (version, name, applied_at) VALUES (?, ?, ?) IF NOT EXISTS`, [m.version, m.name, new Date()], EXEC);
    }
    // entity types registered after the migrations ran
    const tables = new Set(
      (await this.cql.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) =>
        String(r.table_name),
      ),
    );
    const missing = this.entities.filter((e) => !tables.has(entityTable(e.name)));
    for (const stmt of entityTableStatements(missing)) await this.cql.execute(stmt.replace(/ TABLE IF NOT EXISTS /, ` TABLE IF NOT EXISTS ${ks}.`));
    ENSURED.add(memo);
  }

  private async checkReplication(): Promise<void> {
    const c = this.opts.cassandra;
    const rs = await this.cql.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [c.keyspace], { prepare: true });
    const replication = (rs.rows[0]?.replication ?? {}) as Record<string, string>;
    const rf = Number(replication[c.localDataCenter] ?? replication.replication_factor ?? 0);
    const up = this.cql
      .getState()
      .getConnectedHosts()
      .filter((h) => h.datacenter === c.localDataCenter).length;
    const known = [...(this.cql.hosts.values() as Iterable<{ datacenter: string; isUp(): boolean }>)].filter(
      (h) => h.datacenter === c.localDataCenter && h.isUp(),
    ).length;
    const alive = Math.max(up, known);
    if (rf > 0 && alive < Math.floor(rf / 2) + 1) throw replicationError(c.keyspace, rf, alive, c.localDataCenter);
  }

  private async ensureIndexes(): Promise<void> {
    const memo = `${this.opts.opensearch.nodes.join(',')}|${this.prefix}`;
    if (ENSURED.has(memo)) return;
    for (const def of this.entities) {
      const index = this.index(def.name);
      const exists = await this.search.request({ method: 'HEAD', path: `/${index}` }).then(
        (r) => r.statusCode === 200 && r.body !== false,
        (e: { meta?: { statusCode?: number } }) => {
          if (e?.meta?.statusCode === 404) return false;
          throw new ClusterStoreError(`OpenSearch is not reachable at ${this.opts.opensearch.nodes.join(', ')}: ${String((e as Error)?.message ?? e)}`, {
            cause: e,
          });
        },
      );
      const body = indexBody(def, this.deps, this.opts.opensearch.refreshInterval) as { mappings: unknown; settings: { refresh_interval: string } };
      if (exists) {
        // new fields of the registry: mappings only grow
        await this.search.request({ method: 'PUT', path: `/${index}/_mapping`, body: body.mappings });
        await this.search.request({ method: 'PUT', path: `/${index}/_settings`, body: { index: { refresh_interval: body.settings.refresh_interval } } });
        continue;
      }
      await this.search.request({ method: 'PUT', path: `/${index}`, body }).catch((e: { body?: { error?: { type?: string } } }) => {
        if (e?.body?.error?.type !== 'resource_already_exists_exception') throw e;
      });
    }
    ENSURED.add(memo);
  }

  async close(): Promise<void> {
    await this.refill?.catch(() => undefined);
    await this.cql.shutdown();
    await this.osClient.close();
  }

  // ---------------------------------------------------------------- ids, sequences, claims

  /** Reserves the next block of ids durably (LWT compare-and-set on `id_blocks`). */
  private async reserveBlock(): Promise<{ start: number; end: number }> {
    const ks = this.opts.cassandra.keyspace;
    for (let attempt = 0; attempt < MAX_LWT_ATTEMPTS; attempt++) {
      try {
        const cur = await this.cql.execute(`SELECT next FROM ${ks}.id_blocks WHERE ns = ?`, [this.ns], SERIAL_READ);
        const next = cur.rows[0] ? Number(cur.rows[0].next) : undefined;
        const start = next ?? FIRST_ID;
        const end = start + this.blockSize;
        const rs =
          next === undefined
            ? await this.cql.execute(
                `INSERT INTO ${ks}.id_blocks (ns, next) VALUES (?, ?) IF NOT EXISTS`,
                [this.ns, cassandra.types.Long.fromNumber(end)],
                EXEC,
              )
            : await this.cql.execute(
                `UPDATE ${ks}.id_blocks SET next = ? WHERE ns = ? IF next = ?`,
                [cassandra.types.Long.fromNumber(end), this.ns, cassandra.types.Long.fromNumber(next)],
                EXEC,
              );
        if (rs.wasApplied()) return { start, end };
      } catch (e) {
        if (!isRetryableLwt(e)) throw e;
      }
      await backoff(attempt);
    }
    throw new Error('could not reserve an id block (LWT contention)');
  }

  private async reserveIds(): Promise<void> {
    const first = await this.reserveBlock();
    this.ids = { next: first.start, end: first.end };
    this.ahead = await this.reserveBlock();
  }

  newId(): string {
    if (this.ids.next >= this.ids.end) {
      if (!this.ahead) throw new Error('id blocks exhausted before the next one was reserved');
      this.ids = { next: this.ahead.start, end: this.ahead.end };
      this.ahead = undefined;
      this.refill ??= this.reserveBlock().then(
        (b) => {
          this.ahead = b;
          this.refill = undefined;
        },
        () => {
          this.refill = undefined;
        },
      );
    }
    return `~${this.ids.next++}`;
  }

  async nextSequence(name: string): Promise<number> {
    const ks = this.opts.cassandra.keyspace;
    return this.locks.run([`seq\0${name}`], async () => {
      for (let attempt = 0; attempt < MAX_LWT_ATTEMPTS; attempt++) {
        try {
          const cur = await this.cql.execute(`SELECT value FROM ${ks}.sequences WHERE ns = ? AND name = ?`, [this.ns, name], SERIAL_READ);
          const v = cur.rows[0] ? Number(cur.rows[0].value) : 0;
          const Long = cassandra.types.Long;
          const rs =
            v === 0
              ? await this.cql.execute(
                  `INSERT INTO ${ks}.sequences (ns, name, value) VALUES (?, ?, ?) IF NOT EXISTS`,
                  [this.ns, name, Long.fromNumber(1)],
                  EXEC,
                )
              : await this.cql.execute(
                  `UPDATE ${ks}.sequences SET value = ? WHERE ns = ? AND name = ? IF value = ?`,
                  [Long.fromNumber(v + 1), this.ns, name, Long.fromNumber(v)],
                  EXEC,
                );
          if (rs.wasApplied()) return v + 1;
        } catch (e) {
          if (!isRetryableLwt(e)) throw e;
        }
        await backoff(attempt);
      }
      throw new Error(`sequence ${name}: LWT contention`);
    });
  }

  private async claimRaw(scope: string, key: string, owner: string): Promise<{ ok: boolean; fresh: boolean }> {
    const ks = this.opts.cassandra.keyspace;
    for (let attempt = 0; attempt < MAX_LWT_ATTEMPTS; attempt++) {
      try {
        const rs = await this.cql.execute(
          `INSERT INTO ${ks}.uniques (ns, scope, key, owner) VALUES (?, ?, ?, ?) IF NOT EXISTS`,
          [this.ns, scope, key, owner],
          EXEC,
        );
        if (rs.wasApplied()) return { ok: true, fresh: true };
        const held = rs.rows[0]?.owner as string | undefined;
        if (held !== undefined) return { ok: held === owner, fresh: false };
      } catch (e) {
        if (!isRetryableLwt(e)) throw e;
        // a timed-out LWT may have been applied: the next attempt reads the owner back
      }
      await backoff(attempt);
    }
    throw new Error(`claim ${scope}/${key}: LWT contention`);
  }

  async claimUnique(scope: string, key: string, owner: string): Promise<boolean> {
    return this.locks.run([`u\0${scope}\0${key}`], async () => (await this.claimRaw(scope, key, owner)).ok);
  }

  /**
   * At LOCAL_QUORUM: every request reads claims (the API key's owner, profiles and organisations
   * by name) and a claim is written once by a lightweight transaction whose commit is itself at
   * LOCAL_QUORUM, so a completed claim or release is seen without a Paxos round (a SERIAL read costs
   * one on every replica). Only a claim still in flight may be missed, as it may be by any reader
   * that comes a moment earlier; `batch()` reads at LOCAL_SERIAL, where that matters.
   */
  async uniqueOwner(scope: string, key: string): Promise<string | undefined> {
    return this.ownerOf(scope, key, false);
  }

  private async ownerOf(scope: string, key: string, serial: boolean): Promise<string | undefined> {
    const ks = this.opts.cassandra.keyspace;
    const rs = await this.cql.execute(
      `SELECT owner FROM ${ks}.uniques WHERE ns = ? AND scope = ? AND key = ?`,
      [this.ns, scope, key],
      serial ? SERIAL_READ : READ,
    );
    return (rs.rows[0]?.owner as string | undefined) ?? undefined;
  }

  private async releaseRaw(scope: string, key: string): Promise<boolean> {
    const ks = this.opts.cassandra.keyspace;
    const rs = await this.cql.execute(`DELETE FROM ${ks}.uniques WHERE ns = ? AND scope = ? AND key = ? IF EXISTS`, [this.ns, scope, key], EXEC);
    return rs.wasApplied();
  }

  async releaseUnique(scope: string, key: string): Promise<void> {
    await this.locks.run([`u\0${scope}\0${key}`], () => this.releaseRaw(scope, key));
  }

  // ---------------------------------------------------------------- documents

  private def(type: string): EntityDef {
    return this.deps.registry.entityDef(type);
  }

  // ---------------------------------------------------------------- the children relation

  private childRows(type: string, id: string, parents: readonly string[], ns = this.ns): Stmt[] {
    const table = `${this.opts.cassandra.keyspace}.children`;
    return parents.map((p) => ({ query: `INSERT INTO ${table} (ns, parent, type, id) VALUES (?, ?, ?, ?)`, params: [ns, p, type, id] }));
  }

  private childDeletes(type: string, id: string, parents: readonly string[]): Stmt[] {
    const table = `${this.opts.cassandra.keyspace}.children`;
    return parents.map((p) => ({ query: `DELETE FROM ${table} WHERE ns = ? AND parent = ? AND type = ? AND id = ?`, params: [this.ns, p, type, id] }));
  }

  /** The relation rows to add and to remove when a document's parents go from `before` to `after`. */
  private relationChanges(type: string, id: string, before: readonly string[], after: readonly string[]): { add: Stmt[]; drop: Stmt[] } {
    return {
      add: this.childRows(
        type,
        id,
        after.filter((p) => !before.includes(p)),
      ),
      drop: this.childDeletes(
        type,
        id,
        before.filter((p) => !after.includes(p)),
      ),
    };
  }

  /** Runs independent writes (one partition each): one request, or an unlogged batch. */
  private async runAll(stmts: readonly Stmt[]): Promise<void> {
    if (stmts.length === 0) return;
    if (stmts.length === 1) await this.cql.execute(stmts[0]!.query, stmts[0]!.params, EXEC);
    else await this.cql.batch([...stmts], { prepare: true, logged: false, consistency: consistencies.localQuorum });
  }

  /** Migration 2: relation rows for the documents written before the table existed (every namespace). */
  private async backfillChildren(): Promise<void> {
    for (const def of this.entities) {
      let pageState: string | undefined;
      do {
        const rs = await this.cql.execute(`SELECT ns, id, doc FROM ${this.table(def.name)}`, [], {
          ...EXEC,
          fetchSize: 1000,
          ...(pageState ? { pageState } : {}),
        });
        const stmts = rs.rows.flatMap((r) => this.childRows(def.name, String(r.id), parentIds(JSON.parse(String(r.doc)) as Doc), String(r.ns)));
        if (stmts.length) {
          const res = await cassandra.concurrent.executeConcurrent(this.cql, stmts, { concurrencyLevel: 32, raiseOnFirstError: true });
          if (res.errors.length) throw res.errors[0]!;
        }
        pageState = rs.pageState ?? undefined;
      } while (pageState);
    }
  }

  /** Every row of a query, paged; `undefined` past {@link MAX_SOURCE_CANDIDATES} rows. */
  private async allRows(query: string, params: unknown[]): Promise<cassandra.types.Row[] | undefined> {
    const out: cassandra.types.Row[] = [];
    let pageState: string | undefined;
    do {
      const rs = await this.cql.execute(query, params, { ...READ, fetchSize: PAGE, ...(pageState ? { pageState } : {}) });
      out.push(...rs.rows);
      if (out.length > MAX_SOURCE_CANDIDATES) return undefined;
      pageState = rs.pageState ?? undefined;
    } while (pageState);
    return out;
  }

  /** The answer from Cassandra alone, when the query has a shape it can answer (`source-queries.ts`). */
  private async fromSource(q: Query): Promise<QueryResult | undefined> {
    const plan = sourcePlan(q);
    if (!plan) return undefined;
    let candidates: Doc[];
    if (plan.kind === 'children') {
      const ids = new Set<string>();
      for (const parent of new Set(plan.parentIds)) {
        const rows = await this.allRows(`SELECT id FROM ${this.opts.cassandra.keyspace}.children WHERE ns = ? AND parent = ? AND type = ?`, [
          this.ns,
          parent,
          q.entity,
        ]);
        if (!rows) return undefined;
        for (const r of rows) ids.add(String(r.id));
        if (ids.size > MAX_SOURCE_CANDIDATES) return undefined;
      }
      candidates = await this.getMany(q.entity, [...ids]);
    } else {
      const rows = await this.allRows(`SELECT ns, doc FROM ${this.table(q.entity)}`, []);
      if (!rows) return undefined;
      candidates = rows.filter((r) => r.ns === this.ns).map((r) => JSON.parse(String(r.doc)) as Doc);
    }
    return answerFromDocs(q, candidates);
  }

  private async readRow(type: string, id: string, serial: boolean): Promise<Row | undefined> {
    this.def(type);
    const rs = await this.cql.execute(`SELECT doc, version FROM ${this.table(type)} WHERE ns = ? AND id = ?`, [this.ns, id], serial ? SERIAL_READ : READ);
    const r = rs.rows[0];
    return r ? { doc: String(r.doc), version: Number(r.version) } : undefined;
  }

  async get(type: string, id: string): Promise<Doc | undefined> {
    const row = await this.readRow(type, id, false);
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }

  async getMany(type: string, ids: readonly string[]): Promise<Doc[]> {
    if (ids.length === 0) return [];
    this.def(type);
    const found = new Map<string, Doc>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) {
      const chunk = unique.slice(i, i + 100);
      const rs = await this.cql.execute(`SELECT id, doc FROM ${this.table(type)} WHERE ns = ? AND id IN ?`, [this.ns, chunk], { ...READ, fetchSize: PAGE });
      for (const r of rs.rows) found.set(String(r.id), JSON.parse(String(r.doc)) as Doc);
    }
    return ids.flatMap((id) => {
      const d = found.get(id);
      return d ? [d] : [];
    });
  }

  private lockKey(type: string, id: string): string {
    return `d\0${type}\0${id}`;
  }

  async insert(doc: NewDoc): Promise<Doc> {
    const { ConflictError } = this.deps.errors;
    this.def(doc._type);
    const stored = { ...doc, _version: 1 } as Doc;
    const json = JSON.stringify(stored);
    await this.locks.run([this.lockKey(doc._type, doc._id)], async () => {
      // before the document: a relation row without its document is skipped by readers
      await this.runAll(this.childRows(doc._type, doc._id, parentIds(doc)));
      for (let attempt = 0; attempt < MAX_LWT_ATTEMPTS; attempt++) {
        try {
          const rs = await this.cql.execute(
            `INSERT INTO ${this.table(doc._type)} (ns, id, doc, version) VALUES (?, ?, ?, 1) IF NOT EXISTS`,
            [this.ns, doc._id, json],
            EXEC,
          );
          if (rs.wasApplied()) return;
          // a retried, timed-out insert of this very document was applied
          if (attempt > 0 && rs.rows[0]?.doc === json) return;
          throw new ConflictError(`${doc._type} ${doc._id} already exists`);
        } catch (e) {
          if (!isRetryableLwt(e)) throw e;
        }
        await backoff(attempt);
      }
      throw new Error(`insert ${doc._id}: LWT contention`);
    });
    await this.indexDocs([{ doc: stored, prevVersion: undefined }]);
    return stored;
  }

  private applyPatch(cur: Doc, patch: Patch, by: string, at: number): Doc {
    const next: Record<string, unknown> = { ...cur };
    for (const [k, v] of Object.entries(patch)) {
      if (IMMUTABLE.has(k)) continue;
      if (v === null || v === undefined) delete next[k];
      else next[k] = v;
    }
    next._version = cur._version + 1;
    next._updatedAt = at;
    next._updatedBy = by;
    return next as Doc;
  }

  async update(type: string, id: string, patch: Patch, by: string, expectedVersion?: number): Promise<Doc> {
    return this.updateAt(type, id, patch, by, expectedVersion, undefined);
  }

  private async updateAt(type: string, id: string, patch: Patch, by: string, expectedVersion: number | undefined, at: number | undefined): Promise<Doc> {
    const { ConflictError, NotFoundError } = this.deps.errors;
    let dropped: Stmt[] = [];
    const doc = await this.locks.run([this.lockKey(type, id)], async () => {
      for (let attempt = 0; attempt < MAX_LWT_ATTEMPTS; attempt++) {
        try {
          const row = await this.readRow(type, id, true);
          if (!row) throw new NotFoundError(`${type} ${id} not found`);
          if (expectedVersion !== undefined && row.version !== expectedVersion) {
            throw new ConflictError(`${type} ${id} is at version ${row.version}, not ${expectedVersion}`);
          }
          const cur = JSON.parse(row.doc) as Doc;
          const next = this.applyPatch(cur, patch, by, at ?? Date.now());
          const relation = this.relationChanges(type, id, parentIds(cur), parentIds(next));
          await this.runAll(relation.add);
          dropped = relation.drop;
          const rs = await this.cql.execute(
            `UPDATE ${this.table(type)} SET doc = ?, version = ? WHERE ns = ? AND id = ? IF version = ?`,
            [JSON.stringify(next), next._version, this.ns, id, row.version],
            EXEC,
          );
          if (rs.wasApplied()) return next;
          if (rs.rows[0]?.version === null || rs.rows[0]?.version === undefined) throw new NotFoundError(`${type} ${id} not found`);
          if (expectedVersion !== undefined) throw new ConflictError(`${type} ${id} changed concurrently`);
        } catch (e) {
          if (!isRetryableLwt(e)) throw e;
        }
        await backoff(attempt);
      }
      throw new Error(`update ${id}: LWT contention`);
    });
    // after the document: a stale relation row is only a wasted read
    await this.runAll(dropped).catch(() => undefined);
    await this.indexDocs([{ doc, prevVersion: doc._version - 1 }]);
    return doc;
  }

  async delete(type: string, id: string): Promise<boolean> {
    let parents: string[] = [];
    const deleted = await this.locks.run([this.lockKey(type, id)], async () => {
      const row = await this.readRow(type, id, true);
      if (!row) return undefined;
      parents = parentIds(JSON.parse(row.doc) as Doc);
      const rs = await this.cql.execute(`DELETE FROM ${this.table(type)} WHERE ns = ? AND id = ? IF EXISTS`, [this.ns, id], EXEC);
      return rs.wasApplied() ? row.version : undefined;
    });
    if (deleted === undefined) return false;
    await this.runAll(this.childDeletes(type, id, parents)).catch(() => undefined);
    await this.indexDocs([{ deleted: true, type, id, prevVersion: deleted }]);
    return true;
  }

  // ---------------------------------------------------------------- batch

  async batch(ops: readonly BatchOp[]): Promise<Array<Doc | boolean>> {
    if (ops.length === 0) return [];
    if (ops.length === 1) return [await this.single(ops[0]!)];
    const keys = ops.flatMap((op) =>
      op.op === 'insert'
        ? [this.lockKey(op.doc._type, op.doc._id)]
        : op.op === 'update' || op.op === 'delete'
          ? [this.lockKey(op.type, op.id)]
          : [`u\0${op.scope}\0${op.key}`],
    );
    const { written, results } = await this.locks.run(keys, () => this.batchLocked(ops));
    await this.indexDocs(written);
    return results;
  }

  private async single(op: BatchOp): Promise<Doc | boolean> {
    const { ConflictError } = this.deps.errors;
    switch (op.op) {
      case 'insert':
        return this.insert(op.doc);
      case 'update':
        return this.updateAt(op.type, op.id, op.patch, op.by, op.expectedVersion, op.at);
      case 'delete':
        return this.delete(op.type, op.id);
      case 'claim':
        if (!(await this.claimUnique(op.scope, op.key, op.owner))) throw new ConflictError(`${op.scope} "${op.key}" is already taken`);
        return true;
      case 'release':
        return this.locks.run([`u\0${op.scope}\0${op.key}`], () => this.releaseRaw(op.scope, op.key));
    }
  }

  private async batchLocked(ops: readonly BatchOp[]): Promise<{ written: Prepared[]; results: Array<Doc | boolean> }> {
    const { ConflictError, NotFoundError } = this.deps.errors;
    // 1. check every op in order on an overlay of the current state
    // `parents`: the stored document's parent ids, for the `children` relation rows
    const overlay = new Map<string, { type: string; id: string; doc: Doc | undefined; base: number | undefined; parents: string[] }>();
    const pending = new Map<string, Promise<void>>();
    const load = async (type: string, id: string) => {
      this.def(type);
      const k = `${type}\0${id}`;
      if (!overlay.has(k)) {
        let p = pending.get(k);
        if (!p) {
          p = this.readRow(type, id, true).then((row) => {
            const doc = row ? (JSON.parse(row.doc) as Doc) : undefined;
            overlay.set(k, { type, id, doc, base: row?.version, parents: parentIds(doc) });
          });
          pending.set(k, p);
        }
        await p;
      }
      return overlay.get(k)!;
    };
    const uniques = new Map<string, { scope: string; key: string; owner: string | undefined; base: string | undefined }>();
    const pendingU = new Map<string, Promise<void>>();
    const loadUnique = async (scope: string, key: string) => {
      const k = `${scope}\0${key}`;
      if (!uniques.has(k)) {
        let p = pendingU.get(k);
        if (!p) {
          p = this.ownerOf(scope, key, true).then((owner) => {
            uniques.set(k, { scope, key, owner, base: owner });
          });
          pendingU.set(k, p);
        }
        await p;
      }
      return uniques.get(k)!;
    };
    // read everything the ops touch at once (one LOCAL_QUORUM query per type and 100 ids: the
    // check is not conditional across partitions anyway, see the header), then check in order
    const byType = new Map<string, Set<string>>();
    for (const op of ops) {
      const key = op.op === 'insert' ? [op.doc._type, op.doc._id] : op.op === 'update' || op.op === 'delete' ? [op.type, op.id] : undefined;
      if (!key) continue;
      this.def(key[0]!);
      const set = byType.get(key[0]!) ?? new Set<string>();
      set.add(key[1]!);
      byType.set(key[0]!, set);
    }
    await Promise.all([
      ...[...byType].flatMap(([type, idSet]) => {
        const ids = [...idSet];
        const chunks: string[][] = [];
        for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
        return chunks.map(async (chunk) => {
          const rs = await this.cql.execute(`SELECT id, doc, version FROM ${this.table(type)} WHERE ns = ? AND id IN ?`, [this.ns, chunk], EXEC);
          const found = new Map(rs.rows.map((r) => [String(r.id), { doc: String(r.doc), version: Number(r.version) }]));
          for (const id of chunk) {
            const row = found.get(id);
            const doc = row ? (JSON.parse(row.doc) as Doc) : undefined;
            overlay.set(`${type}\0${id}`, { type, id, doc, base: row?.version, parents: parentIds(doc) });
          }
        });
      }),
      ...ops.flatMap((op) => (op.op === 'claim' || op.op === 'release' ? [loadUnique(op.scope, op.key)] : [])),
    ]);
    const results: Array<Doc | boolean> = [];
    const now = Date.now();
    for (const op of ops) {
      switch (op.op) {
        case 'insert': {
          this.def(op.doc._type);
          const e = await load(op.doc._type, op.doc._id);
          if (e.doc) throw new ConflictError(`${op.doc._type} ${op.doc._id} already exists`);
          e.doc = { ...op.doc, _version: 1 };
          results.push(e.doc);
          break;
        }
        case 'update': {
          const e = await load(op.type, op.id);
          if (!e.doc) throw new NotFoundError(`${op.type} ${op.id} not found`);
          if (op.expectedVersion !== undefined && e.doc._version !== op.expectedVersion) {
            throw new ConflictError(`${op.type} ${op.id} is at version ${e.doc._version}, not ${op.expectedVersion}`);
          }
          e.doc = this.applyPatch(e.doc, op.patch, op.by, op.at ?? now);
          results.push(e.doc);
          break;
        }
        case 'delete': {
          const e = await load(op.type, op.id);
          results.push(e.doc !== undefined);
          e.doc = undefined;
          break;
        }
        case 'claim': {
          const u = await loadUnique(op.scope, op.key);
          if (u.owner !== undefined && u.owner !== op.owner) throw new ConflictError(`${op.scope} "${op.key}" is already taken`);
          u.owner = op.owner;
          results.push(true);
          break;
        }
        case 'release': {
          const u = await loadUnique(op.scope, op.key);
          results.push(u.owner !== undefined);
          u.owner = undefined;
          break;
        }
      }
    }
    // 2. claims, with LWT; released again if anything fails afterwards
    const taken: Array<{ scope: string; key: string }> = [];
    const releaseTaken = async (): Promise<void> => {
      for (const t of taken) await this.releaseRaw(t.scope, t.key).catch(() => undefined);
    };
    try {
      for (const u of uniques.values()) {
        if (u.owner === undefined || u.owner === u.base) continue;
        const r = await this.claimRaw(u.scope, u.key, u.owner);
        if (r.fresh) taken.push(u);
        if (!r.ok) throw new ConflictError(`${u.scope} "${u.key}" is already taken`);
      }
      // 3. one logged batch for the documents and the releases
      const queries: Array<{ query: string; params: unknown[] }> = [];
      const written: Prepared[] = [];
      for (const e of overlay.values()) {
        if (e.doc) {
          if (e.base === e.doc._version) continue;
          queries.push({
            query: `INSERT INTO ${this.table(e.type)} (ns, id, doc, version) VALUES (?, ?, ?, ?)`,
            params: [this.ns, e.id, JSON.stringify(e.doc), e.doc._version],
          });
          // the relation rows in the same logged batch: all or nothing with the document
          const relation = this.relationChanges(e.type, e.id, e.parents, parentIds(e.doc));
          queries.push(...relation.add, ...relation.drop);
          written.push({ doc: e.doc, prevVersion: e.base });
        } else if (e.base !== undefined) {
          queries.push(
            { query: `DELETE FROM ${this.table(e.type)} WHERE ns = ? AND id = ?`, params: [this.ns, e.id] },
            ...this.childDeletes(e.type, e.id, e.parents),
          );
          written.push({ deleted: true, type: e.type, id: e.id, prevVersion: e.base });
        }
      }
      for (const u of uniques.values()) {
        if (u.owner === undefined && u.base !== undefined) {
          queries.push({
            query: `DELETE FROM ${this.opts.cassandra.keyspace}.uniques WHERE ns = ? AND scope = ? AND key = ?`,
            params: [this.ns, u.scope, u.key],
          });
        }
      }
      if (queries.length) {
        try {
          await this.loggedBatch(queries);
        } catch (e) {
          // The caller gets the 503, but the batch may still be applied (a batchlog entry that
          // landed is replayed later): its documents go to the outbox, due once the replay had its
          // time, so the index converges to what Cassandra ends up holding (the fault suite found
          // such documents in Cassandra and never indexed).
          if (isUnknownWriteOutcome(e)) await this.toOutbox(written, this.recheckMs).catch(() => undefined);
          throw e;
        }
      }
      return { written, results };
    } catch (e) {
      await releaseTaken();
      throw e;
    }
  }

  /**
   * One logged batch. A batchlog write timeout (the batch was not sent to its replicas yet, see
   * `isBatchlogTimeout`) is repeated with the same write timestamp for up to
   * {@link BATCHLOG_RETRY_MS}: the window in which the coordinators still count a dead node as a
   * batchlog endpoint. Other failures, and this one past the window, reach the caller (503).
   */
  private async loggedBatch(queries: Stmt[]): Promise<void> {
    const timestamp = cassandra.types.Long.fromNumber(Date.now()).multiply(1000);
    const deadline = Date.now() + BATCHLOG_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.cql.batch(queries, { prepare: true, logged: true, consistency: consistencies.localQuorum, timestamp });
        return;
      } catch (e) {
        if (!isBatchlogTimeout(e) || Date.now() >= deadline) throw e;
      }
      await sleep(250 * Math.min(4, attempt + 1));
    }
  }

  // ---------------------------------------------------------------- index writes and repair

  /** Indexes (or removes) documents after Cassandra has them; failures go to the outbox. */
  private async indexDocs(items: readonly Prepared[]): Promise<void> {
    if (items.length === 0) return;
    const body: unknown[] = [];
    for (const it of items) {
      if (it.deleted) {
        body.push({ delete: { _index: this.index(it.type), _id: `${this.ns}:${it.id}`, version: it.prevVersion + 1, version_type: 'external_gte' } });
      } else {
        const def = this.def(it.doc._type);
        body.push({ index: { _index: this.index(def.name), _id: `${this.ns}:${it.doc._id}`, version: it.doc._version, version_type: 'external_gte' } });
        body.push(project(it.doc, this.ns, def, this.deps));
      }
    }
    const failed: Prepared[] = [];
    try {
      const res = await this.search.request({ method: 'POST', path: '/_bulk', bulkBody: body, querystring: { refresh: 'wait_for' } });
      const r = res.body as { errors?: boolean; items?: Array<Record<string, { status?: number }>> };
      if (r.errors) {
        r.items?.forEach((item, i) => {
          const status = Object.values(item)[0]?.status ?? 500;
          // 409: a newer version is already indexed; 404: deleting what was never indexed
          if (status >= 300 && status !== 409 && status !== 404) failed.push(items[i]!);
        });
      }
    } catch {
      failed.push(...items);
    }
    if (failed.length) await this.toOutbox(failed);
  }

  /** Outbox entries for `items`, due `delayMs` from now (`repairIndex()` leaves them until then). */
  private async toOutbox(items: readonly Prepared[], delayMs = 0): Promise<void> {
    if (items.length === 0) return;
    const ks = this.opts.cassandra.keyspace;
    const at = new Date(Date.now() + delayMs);
    await this.cql.batch(
      items.map((it) => ({
        query: `INSERT INTO ${ks}.outbox (ns, type, id, at) VALUES (?, ?, ?, ?)`,
        params: [this.ns, it.deleted ? it.type : it.doc._type, it.deleted ? it.id : it.doc._id, at],
      })),
      { prepare: true, logged: false, consistency: consistencies.localQuorum },
    );
  }

  /** Documents waiting in the outbox for their index write. */
  async outboxSize(): Promise<number> {
    const rs = await this.cql.execute(`SELECT count(*) AS n FROM ${this.opts.cassandra.keyspace}.outbox WHERE ns = ?`, [this.ns], EXEC);
    return Number(rs.rows[0]?.n ?? 0);
  }

  /**
   * Drains the outbox: each listed document is indexed from Cassandra's current copy, or
   * removed from the index when Cassandra no longer has it, 200 entries per bulk request (one
   * refresh wait per request: one request per entry took about 1 s each, 20 minutes for the 1,300
   * entries of a 30 s outage under load). Resolves the number repaired.
   * Meant to run as a singleton job (one node holding the lease).
   */
  async repairIndex(): Promise<number> {
    if (this.indexesPending) {
      await this.ensureIndexes();
      this.indexesPending = false;
    }
    const ks = this.opts.cassandra.keyspace;
    const rs = await this.cql.execute(`SELECT type, id, at FROM ${ks}.outbox WHERE ns = ?`, [this.ns], { ...EXEC, fetchSize: PAGE });
    const now = Date.now();
    // entries not due yet (a write whose outcome is open) wait for a later run
    const entries = rs.rows.filter((r) => !(r.at instanceof Date) || r.at.getTime() <= now).map((r) => ({ type: String(r.type), id: String(r.id) }));
    let repaired = 0;
    for (let i = 0; i < entries.length; i += 200) {
      const chunk = entries.slice(i, i + 200);
      const docs = new Map<string, Doc>();
      for (const type of new Set(chunk.map((e) => e.type))) {
        const ids = chunk.filter((e) => e.type === type).map((e) => e.id);
        for (const d of await this.getMany(type, ids)) docs.set(`${type}\0${d._id}`, d);
      }
      const body = chunk.flatMap(({ type, id }) => {
        const doc = docs.get(`${type}\0${id}`);
        return doc
          ? [
              { index: { _index: this.index(type), _id: `${this.ns}:${id}`, version: doc._version, version_type: 'external_gte' } },
              project(doc, this.ns, this.def(type), this.deps),
            ]
          : [{ delete: { _index: this.index(type), _id: `${this.ns}:${id}` } }];
      });
      const res = await this.search.request({ method: 'POST', path: '/_bulk', bulkBody: body, querystring: { refresh: 'wait_for' } });
      const items = (res.body as { items?: Array<Record<string, { status?: number }>> }).items ?? [];
      const done = chunk.filter((_, k) => {
        const status = items[k] ? (Object.values(items[k])[0]?.status ?? 500) : 500;
        return status < 300 || status === 409 || status === 404;
      });
      await Promise.all(
        done.map(({ type, id }) => this.cql.execute(`DELETE FROM ${ks}.outbox WHERE ns = ? AND type = ? AND id = ?`, [this.ns, type, id], EXEC)),
      );
      repaired += done.length;
    }
    return repaired;
  }

  /**
   * Rebuilds the indexes from Cassandra (`waggle reindex`) while the store serves: every document
   * of every type is indexed again with its version (a concurrent newer write is never
   * overwritten). `onProgress` gets the running count per type. Index entries whose document no
   * longer exists are not removed (the outbox does that for deletes that failed to index).
   * @returns the number of documents indexed.
   */
  async reindex(onProgress?: (type: string, done: number) => void): Promise<number> {
    let total = 0;
    for (const def of this.entities) {
      let done = 0;
      let batch: Doc[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const body = batch.flatMap((doc) => [
          { index: { _index: this.index(def.name), _id: `${this.ns}:${doc._id}`, version: doc._version, version_type: 'external_gte' } },
          project(doc, this.ns, def, this.deps),
        ]);
        const res = await this.search.request({ method: 'POST', path: '/_bulk', bulkBody: body });
        const r = res.body as { errors?: boolean; items?: Array<Record<string, { status?: number; error?: unknown }>> };
        const bad = (r.items ?? []).map((it) => Object.values(it)[0]).find((x) => (x?.status ?? 500) >= 300 && x?.status !== 409);
        if (bad) throw new Error(`reindex of ${def.name} failed: ${JSON.stringify(bad.error ?? bad)}`);
        done += batch.length;
        batch = [];
        onProgress?.(def.name, done);
      };
      // the namespace is part of the partition key: a full scan, paged
      let pageState: string | undefined;
      do {
        const rs = await this.cql.execute(`SELECT ns, doc FROM ${this.table(def.name)}`, [], { ...EXEC, fetchSize: 1000, ...(pageState ? { pageState } : {}) });
        for (const row of rs.rows) {
          if (row.ns !== this.ns) continue;
          batch.push(JSON.parse(String(row.doc)) as Doc);
          if (batch.length >= 500) await flush();
        }
        pageState = rs.pageState ?? undefined;
      } while (pageState);
      await flush();
      total += done;
    }
    await this.search.request({ method: 'POST', path: `/${this.prefix}*/_refresh` });
    return total;
  }

  // ---------------------------------------------------------------- raw copy (`waggle migrate-storage`)

  /**
   * One page of a full table scan (the namespace is part of the partition key, so other
   * namespaces' rows are read and skipped); the cursor is the driver's page state.
   */
  private async scanTable<T>(
    table: string,
    columns: string,
    cursor: string | undefined,
    limit: number,
    map: (row: cassandra.types.Row) => T,
  ): Promise<ScanPage<T>> {
    const rs = await this.cql.execute(`SELECT ns, ${columns} FROM ${table}`, [], {
      ...EXEC,
      fetchSize: Math.max(1, Math.trunc(limit)),
      ...(cursor ? { pageState: cursor } : {}),
    });
    const items = rs.rows.filter((r) => r.ns === this.ns).map(map);
    return rs.pageState ? { items, cursor: rs.pageState } : { items };
  }

  async scan(type: string, cursor: string | undefined, limit: number): Promise<ScanPage<Doc>> {
    this.def(type);
    return this.scanTable(this.table(type), 'doc, version', cursor, limit, (r) => ({ ...(JSON.parse(String(r.doc)) as Doc), _version: Number(r.version) }));
  }

  private writable(): void {
    if (this.opts.readOnly) throw new ClusterStoreError(`keyspace ${this.opts.cassandra.keyspace} is open read-only`);
  }

  async restore(docs: readonly Doc[]): Promise<void> {
    this.writable();
    if (docs.length === 0) return;
    for (const d of docs) this.def(d._type);
    const r = await cassandra.concurrent.executeConcurrent(
      this.cql,
      docs.flatMap((d) => [
        ...this.childRows(d._type, d._id, parentIds(d)),
        { query: `INSERT INTO ${this.table(d._type)} (ns, id, doc, version) VALUES (?, ?, ?, ?)`, params: [this.ns, d._id, JSON.stringify(d), d._version] },
      ]),
      { concurrencyLevel: 32, raiseOnFirstError: true },
    );
    if (r.errors.length) throw r.errors[0]!;
    // like every write: indexed with refresh=wait_for (queries see them once this resolves); failures go to the outbox
    await this.indexDocs(docs.map((doc) => ({ doc, prevVersion: undefined })));
  }

  async scanClaims(cursor: string | undefined, limit: number): Promise<ScanPage<UniqueClaim>> {
    return this.scanTable(`${this.opts.cassandra.keyspace}.uniques`, 'scope, key, owner', cursor, limit, (r) => ({
      scope: String(r.scope),
      key: String(r.key),
      owner: String(r.owner),
    }));
  }

  async restoreClaims(claims: readonly UniqueClaim[]): Promise<void> {
    this.writable();
    if (claims.length === 0) return;
    const r = await cassandra.concurrent.executeConcurrent(
      this.cql,
      `INSERT INTO ${this.opts.cassandra.keyspace}.uniques (ns, scope, key, owner) VALUES (?, ?, ?, ?)`,
      claims.map((c) => [this.ns, c.scope, c.key, c.owner]),
      { concurrencyLevel: 32, raiseOnFirstError: true },
    );
    if (r.errors.length) throw r.errors[0]!;
  }

  async counters(): Promise<StoreCounters> {
    const ks = this.opts.cassandra.keyspace;
    const sequences: Record<string, number> = {};
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await this.scanTable(`${ks}.sequences`, 'name, value', cursor, PAGE, (r) => [String(r.name), Number(r.value)] as const);
      for (const [name, v] of page.items) sequences[name] = v;
      cursor = page.cursor;
    }
    const rs = await this.cql.execute(`SELECT next FROM ${ks}.id_blocks WHERE ns = ?`, [this.ns], SERIAL_READ);
    return { sequences, nextId: rs.rows[0] ? Number(rs.rows[0].next) : FIRST_ID };
  }

  /** Compare-and-set loop raising a bigint cell to at least `target`. */
  private async raiseTo(select: string, insert: string, update: string, key: unknown[], target: number): Promise<void> {
    const Long = cassandra.types.Long;
    for (let attempt = 0; attempt < MAX_LWT_ATTEMPTS; attempt++) {
      try {
        const cur = await this.cql.execute(select, key, SERIAL_READ);
        const row = cur.rows[0];
        const v = row ? Number(Object.values(row)[0]) : undefined;
        if (v !== undefined && v >= target) return;
        const rs =
          v === undefined
            ? await this.cql.execute(insert, [...key, Long.fromNumber(target)], EXEC)
            : await this.cql.execute(update, [Long.fromNumber(target), ...key, Long.fromNumber(v)], EXEC);
        if (rs.wasApplied()) return;
      } catch (e) {
        if (!isRetryableLwt(e)) throw e;
      }
      await backoff(attempt);
    }
    throw new Error('could not raise a counter (LWT contention)');
  }

  async restoreCounters(counters: StoreCounters): Promise<void> {
    this.writable();
    const ks = this.opts.cassandra.keyspace;
    for (const [name, v] of Object.entries(counters.sequences)) {
      await this.locks.run([`seq\0${name}`], () =>
        this.raiseTo(
          `SELECT value FROM ${ks}.sequences WHERE ns = ? AND name = ?`,
          `INSERT INTO ${ks}.sequences (ns, name, value) VALUES (?, ?, ?) IF NOT EXISTS`,
          `UPDATE ${ks}.sequences SET value = ? WHERE ns = ? AND name = ? IF value = ?`,
          [this.ns, name],
          v,
        ),
      );
    }
    await this.raiseTo(
      `SELECT next FROM ${ks}.id_blocks WHERE ns = ?`,
      `INSERT INTO ${ks}.id_blocks (ns, next) VALUES (?, ?) IF NOT EXISTS`,
      `UPDATE ${ks}.id_blocks SET next = ? WHERE ns = ? IF next = ?`,
      [this.ns],
      counters.nextId,
    );
    // ids this process reserved below the new floor are dropped
    if (this.ids.end > 0 && this.ids.next < counters.nextId) await this.reserveIds();
  }

  // ---------------------------------------------------------------- queries

  private async searchRaw(entity: string, body: Dsl): Promise<Record<string, unknown>> {
    try {
      const res = await this.search.request({ method: 'POST', path: `/${this.index(entity)}/_search`, body });
      return res.body as Record<string, unknown>;
    } catch (e) {
      throw this.searchUnavailable(e);
    }
  }

  /**
   * A query OpenSearch cannot answer, because it is unreachable or answers 5xx (shards not yet
   * allocated after a restart), becomes the API's 503: reads by id and writes go on meanwhile
   * (Cassandra), failed index writes wait in the outbox. Other errors are returned unchanged.
   */
  private searchUnavailable(e: unknown): unknown {
    const Unavailable = this.deps.errors.ServiceUnavailableError;
    const status = (e as { meta?: { statusCode?: number | null } })?.meta?.statusCode ?? 0;
    const down = searchDown(e);
    if (down) this.searchDownUntil = Date.now() + SEARCH_DOWN_MS;
    if (!Unavailable || !down) return e;
    return new Unavailable(
      `Search is unavailable: OpenSearch (${this.opts.opensearch.nodes.join(', ')}) ${status >= 500 ? `answered ${status}` : 'did not answer'}. ` +
        'Reads by id and writes go on; list queries work again once it is back.',
    );
  }

  private scoped(q: Dsl): Dsl {
    return { bool: { filter: [{ term: { _ns: this.ns } }, q] } };
  }

  /** Every value of keyword `field` among the documents of `entity` matching `query` (paged with search_after). */
  private readonly resolve = async (entity: string, query: Dsl, field: string): Promise<string[]> => {
    const out = new Set<string>();
    let after: unknown[] | undefined;
    for (;;) {
      const body: Dsl = {
        query: this.scoped(query),
        size: PAGE,
        sort: [{ _wid: 'asc' }],
        _source: false,
        docvalue_fields: [field],
        ...(after ? { search_after: after } : {}),
      };
      const r = await this.searchRaw(entity, body);
      const hits = (r.hits as { hits: Array<{ sort: unknown[]; fields?: Record<string, unknown[]> }> }).hits;
      for (const h of hits) for (const v of h.fields?.[field] ?? []) out.add(String(v));
      if (hits.length < PAGE) break;
      after = hits[hits.length - 1]!.sort;
    }
    return [...out];
  };

  /**
   * The ids of rows `[from, from + size)` in `sort` order (which ends with the `_wid` tie-breaker).
   * A window past the first {@link PAGE} x 2 rows (services ask for "all rows" with `to` in the
   * millions, beyond `index.max_result_window`) is read in pages with `search_after`.
   */
  private async rowIds(entity: string, where: Dsl, sort: Dsl[], from: number, size: number): Promise<string[]> {
    const idsOf = (r: Record<string, unknown>): Array<{ id: string | undefined; sort: unknown[] }> =>
      (r.hits as { hits: Array<{ sort: unknown[]; fields?: { _wid?: string[] } }> }).hits.map((h) => ({ id: h.fields?._wid?.[0], sort: h.sort }));
    const base = { query: where, sort, _source: false, docvalue_fields: ['_wid'], track_total_hits: false };
    if (from + size <= PAGE * 2) {
      return idsOf(await this.searchRaw(entity, { ...base, from, size }))
        .map((h) => h.id)
        .filter((x): x is string => !!x);
    }
    const ids: string[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const hits = idsOf(await this.searchRaw(entity, { ...base, size: PAGE, ...(after ? { search_after: after } : {}) }));
      for (const h of hits) if (h.id) ids.push(h.id);
      if (hits.length < PAGE || ids.length >= from + size) break;
      after = hits[hits.length - 1]!.sort;
    }
    return ids.slice(from, from + size);
  }

  /**
   * Answered by OpenSearch; while it does not answer (and for {@link SEARCH_DOWN_MS} after it
   * failed), the queries Cassandra can answer are answered from Cassandra, the others reject
   * with the 503 of `searchUnavailable`.
   */
  async query(q: Query): Promise<QueryResult> {
    const def = this.def(q.entity);
    const query = { ...q, entity: def.name };
    if (Date.now() < this.searchDownUntil) {
      const r = await this.fromSource(query);
      if (r) return r;
    }
    try {
      return await this.queryIndex(def, query);
    } catch (e) {
      if (Date.now() < this.searchDownUntil) {
        const r = await this.fromSource(query);
        if (r) return r;
      }
      throw e;
    }
  }

  private async queryIndex(def: EntityDef, q: Query): Promise<QueryResult> {
    const ctx: CompileCtx = { deps: this.deps, resolve: this.resolve };
    const where = this.scoped(await compileExpr(q.where, def, ctx));
    switch (q.output.kind) {
      case 'count': {
        const r = await this.searchRaw(def.name, { query: where, size: 0, track_total_hits: true });
        return { kind: 'count', count: (r.hits as { total: { value: number } }).total.value };
      }
      case 'rows': {
        const sort = compileSort(q.sort, def, this.deps);
        const from = Math.max(0, Math.trunc(q.output.from));
        const size = Math.max(0, Math.trunc(q.output.to) - from);
        if (size === 0) return { kind: 'rows', rows: [] };
        return { kind: 'rows', rows: await this.getMany(def.name, await this.rowIds(def.name, where, sort, from, size)) };
      }
      case 'aggregate': {
        const compiled = await compileAggs(q.output.aggs, def, ctx);
        const r = await this.searchRaw(def.name, { query: where, size: 0, track_total_hits: true, aggs: compiled.aggs });
        const total = (r.hits as { total: { value: number } }).total.value;
        return { kind: 'aggregate', result: compiled.decode((r.aggregations ?? {}) as Record<string, unknown>, total) };
      }
    }
  }
}
