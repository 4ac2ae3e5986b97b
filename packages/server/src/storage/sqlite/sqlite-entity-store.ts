/**
 * EntityStore on SQLite (better-sqlite3, WAL). Writes are queued and committed together
 * (group commit, `write-queue.ts`): for a file database a writer thread with its own
 * connection runs them, each in its own savepoint inside one transaction, and a write's promise
 * resolves only after COMMIT, with `synchronous=FULL`, so an acknowledged write survives
 * `kill -9` and power loss while many concurrent writers share one fsync. Reads run on this
 * (main) thread's connection, which sees every acknowledged write.
 *
 * Layout (schema.ts): filters, sorts and counts run on the narrow `e_<type>` rows (typed
 * columns written from the document, plus `v_org` for visibility); documents live in
 * `d_<type>` and are read only for the rows a query returns.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchOp, Doc, EntityStore, NewDoc, Patch, ScanPage, StoreCounters, UniqueClaim } from '../entity-store.js';
import type { Query, QueryResult } from '../../query/ir.js';
import { ENTITIES, entityDef, type EntityDef } from '../../entities/registry.js';
import { compileQuery, estimateRows, sortWindow } from './compile.js';
import { ID_RESERVE_SQL, insertSql, SqliteWriter, toDoc, type WriteRequest } from './sqlite-writer.js';
import { InThreadWriteQueue, WorkerWriteQueue, type WriteQueue } from './write-queue.js';
import {
  changedIndexes,
  columnValues,
  companionTables,
  createEntityTable,
  docTable,
  entityIndexes,
  fieldColumn,
  lookupFields,
  lookupTable,
  lookupToken,
  MV_SCOPE_COLUMNS,
  MV_VALUE_UNTYPED,
  mvTable,
  ORG_COLUMN,
  table,
  tableAction,
} from './schema.js';
import { runAggregations } from './compile-aggs.js';

/** The slice of better-sqlite3 this adapter uses. */
type Db = Database.Database;

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  path: string;
  synchronous?: 'FULL' | 'NORMAL';
  /** Rows of the sort index a bounded page query walks (tests set it small, which also makes every sorted page try it); default grows with the page end. */
  sortWindowRows?: number;
  /**
   * Opens an existing database read-only (`waggle migrate-storage` reading its source): no schema
   * migration, no statistics, no writer thread; every write rejects.
   */
  readOnly?: boolean;
}

/**
 * Page size of a new database file: 2 kB rather than SQLite's 4 kB. Every COMMIT writes each
 * page it dirtied to the WAL (and the checkpoint writes it again to the database), and an
 * ingested observable's `data` index entry dirties a page of its own at a random place: alert
 * ingestion wrote 81 kB of WAL per alert with 4 kB pages, 59 kB with 2 kB pages (1 kB: 47 kB, at
 * the cost of deeper trees and overflow pages for most documents). See docs/benchmarks.md.
 */
const PAGE_SIZE = 2048;

/** Ids reserved per durable write of the limit: one fsync per 100,000 ids handed out. */
const ID_BLOCK = 100_000;

/** Rows queries whose page ends beyond this sort every match instead of walking the sort index. */
const WINDOW_MAX_END = 500;

/** Index rows sampled per index by ANALYZE (PRAGMA analysis_limit). */
const ANALYSIS_LIMIT = 400;

/** Estimated matches under which a page query sorts its matches rather than walking the sort index. */
const FEW_ROWS = 1000;

/** How many rows of the sort index a bounded page query may walk: enough for filters keeping 1 row in 100. */
const windowSize = (end: number): number => Math.min(50_000, Math.max(2_000, end * 100));

export class SqliteEntityStore implements EntityStore {
  private db!: Db;
  private readonly stmts = new Map<string, Database.Statement>();
  private writes!: WriteQueue;
  private idNext = 0;
  private idLimit = 0;
  private statsTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SqliteStoreOptions) {}

  async init(): Promise<void> {
    if (this.options.readOnly) {
      this.db = new Database(this.options.path, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
      return;
    }
    if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
    this.db = new Database(this.options.path);
    // only takes effect on a new (empty) database; an existing one keeps its page size
    this.db.pragma(`page_size = ${PAGE_SIZE}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${this.options.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    this.db.pragma('busy_timeout = 5000');
    // fewer, larger checkpoints: pages written many times between two are copied back once
    this.db.pragma('wal_autocheckpoint = 8000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v ANY) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS uniq (scope TEXT NOT NULL, k TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (scope, k)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS seq (name TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;`);
    const migrationWriter = new SqliteWriter(this.db);
    const migrate = this.db.transaction(() => {
      for (const def of ENTITIES.values()) {
        const cols = this.db.prepare(`SELECT name FROM pragma_table_xinfo(?)`).all(`e_${def.name}`) as Array<{ name: string }>;
        const existing = cols.length ? new Set(cols.map((c) => c.name)) : undefined;
        const action = tableAction(def, existing);
        if (action === 'create') this.db.exec(createEntityTable(def));
        const unfilled = lookupFields(def).filter(
          (f) => !this.db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(lookupTable(def.name, f).slice(1, -1)),
        );
        for (const stmt of companionTables(def)) this.db.exec(stmt);
        if (action === 'rebuild') this.rebuildEntityTable(def, existing!.has('doc'));
        if (action !== 'create') for (const f of unfilled) this.fillLookupTable(def, f);
        this.dropChangedIndexes(def);
        for (const stmt of entityIndexes(def)) this.db.exec(stmt);
        this.rebuildTypedSideTable(def.name, migrationWriter);
      }
    });
    migrate();
    this.maintainStats();
    this.statsTimer = setInterval(() => this.maintainStats(), 3600_000);
    this.statsTimer.unref();
    const row = this.db.prepare(`SELECT v FROM meta WHERE k = 'idLimit'`).get() as { v: number } | undefined;
    this.idNext = row?.v ?? 4096;
    this.idLimit = this.idNext;
    if (this.options.path === ':memory:') this.writes = new InThreadWriteQueue(migrationWriter);
    else {
      // the writer and checkpointer threads checkpoint; this connection's rare writes (id blocks) never do
      this.db.pragma('wal_autocheckpoint = 0');
      this.writes = await WorkerWriteQueue.start({ path: this.options.path, synchronous: this.options.synchronous ?? 'FULL' });
    }
  }

  /** Fills a new lookup table (schema.ts `LOOKUP_FIELDS`) from the existing rows: about 14 s per million on the benchmark machine. */
  private fillLookupTable(def: EntityDef, field: string): void {
    this.db.function('waggle_lookup_token', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? lookupToken(v) : null));
    const col = fieldColumn(field);
    this.db.exec(
      `INSERT INTO ${lookupTable(def.name, field)} (rowid, t) SELECT rid, waggle_lookup_token(${col}) FROM ${table(def.name)} WHERE typeof(${col}) = 'text'`,
    );
  }

  /** Drops the indexes of `e_<type>` whose definition changed (e.g. became partial); they are created again next. */
  private dropChangedIndexes(def: EntityDef): void {
    type Row = { name: string; sql: string | null };
    const rows = this.db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`).all(`e_${def.name}`) as Row[];
    for (const name of changedIndexes(def, new Map(rows.map((r) => [r.name, r.sql])))) this.db.exec(`DROP INDEX "${name}"`);
  }

  /**
   * Rebuilds `e_<type>` from the documents: when it has the older layout (documents in the
   * same table, VIRTUAL generated columns), or when the registry gained an indexed field.
   * Row ids are kept, so `d_<type>` stays linked.
   */
  private rebuildEntityTable(def: EntityDef, withDocs: boolean): void {
    const t = table(def.name);
    const old = `"e_${def.name}__old"`;
    this.db.exec(`ALTER TABLE ${t} RENAME TO ${old}`);
    this.db.exec(createEntityTable(def));
    const select = this.db.prepare(
      withDocs
        ? `SELECT rowid AS rid, _id, _version AS v, doc FROM ${old} WHERE rowid > ? ORDER BY rowid LIMIT 1000`
        : `SELECT o.rid AS rid, o._id AS _id, o._version AS v, d.doc AS doc FROM ${old} o JOIN ${docTable(def.name)} d ON d.rid = o.rid WHERE o.rid > ? ORDER BY o.rid LIMIT 1000`,
    );
    const insert = this.db.prepare(insertSql(def, true));
    const insertDoc = this.db.prepare(`INSERT INTO ${docTable(def.name)} (rid, doc) VALUES (?, ?)`);
    for (let after = 0; ;) {
      const batch = select.all(after) as Array<{ rid: number; _id: string; v: number; doc: string }>;
      if (batch.length === 0) break;
      for (const row of batch) {
        insert.run(row.rid, row._id, row.v, ...columnValues(def, JSON.parse(row.doc) as Record<string, unknown>));
        if (withDocs) insertDoc.run(row.rid, row.doc);
      }
      after = batch[batch.length - 1]!.rid;
    }
    this.db.exec(`DROP TABLE ${old}`);
  }

  /**
   * Side tables created before `v` became untyped had NUMERIC affinity, which turned text such
   * as "007" or "1e3" into numbers, and older ones lack the `o`/`d` columns (schema.ts
   * `mvScope`); rebuild them from the documents.
   */
  private rebuildTypedSideTable(type: string, writer: SqliteWriter): void {
    const cols = this.db.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(`m_${type}`) as Array<{ name: string; type: string }>;
    const v = cols.find((c) => c.name === 'v');
    if (!v || (v.type === MV_VALUE_UNTYPED && MV_SCOPE_COLUMNS.every((n) => cols.some((c) => c.name === n)))) return;
    const mt = mvTable(type);
    this.db.exec(`DROP TABLE ${mt}`);
    for (const stmt of companionTables(entityDef(type)).filter((s) => s.includes(mt))) this.db.exec(stmt);
    const select = this.db.prepare(
      `SELECT e._id AS _id, d.doc AS doc, e._version AS v FROM ${table(type)} e JOIN ${docTable(type)} d ON d.rid = e.rid WHERE e._id > ? ORDER BY e._id LIMIT 1000`,
    );
    for (let after = ''; ;) {
      const batch = select.all(after) as Array<{ _id: string; doc: string; v: number }>;
      if (batch.length === 0) break;
      for (const row of batch) writer.writeMv(toDoc(row));
      after = batch[batch.length - 1]!._id;
    }
  }

  async close(): Promise<void> {
    if (!this.db?.open) return;
    if (this.options.readOnly) {
      this.db.close();
      return;
    }
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.writes.close();
    this.maintainStats();
    this.db.close();
  }

  /**
   * Keeps the planner's statistics current: `PRAGMA optimize` re-analyzes (sampling 400 rows
   * per index) the tables whose size changed a lot since their last analysis, which costs
   * milliseconds when nothing changed. When it did analyze, the `v_org` indexes are analyzed
   * in full, so that the planner knows per organisation (STAT4) whether visibility is
   * selective: a small organisation's list then uses that index, a large one walks the sort
   * index. Runs at start, hourly and at close.
   */
  private maintainStats(): void {
    const snapshot = (): string => {
      try {
        return JSON.stringify(this.db.prepare('SELECT idx, stat FROM sqlite_stat1 ORDER BY tbl, idx').all());
      } catch {
        return ''; // no statistics yet
      }
    };
    const before = snapshot();
    this.db.pragma(`analysis_limit = ${ANALYSIS_LIMIT}`);
    this.db.pragma('optimize = 0x10002');
    if (snapshot() !== before) {
      this.db.pragma('analysis_limit = 0');
      for (const def of ENTITIES.values()) this.db.exec(`ANALYZE "i_${def.name}_${ORG_COLUMN}"`);
      this.db.pragma(`analysis_limit = ${ANALYSIS_LIMIT}`);
    }
    this.loadRowsPerKey();
  }

  /** Rows per key of each index (sqlite_stat1), for `estimateRows`. */
  private rowsPerKey = new Map<string, number>();

  private loadRowsPerKey(): void {
    const m = new Map<string, number>();
    try {
      for (const r of this.db.prepare('SELECT idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL').all() as Array<{ idx: string; stat: string }>) {
        const perKey = Number(r.stat.split(' ')[1]);
        // sampled statistics (analysis_limit) only see a few keys of a low-cardinality index, and
        // then report about the sample size per key: only small figures are meaningful
        if (Number.isFinite(perKey) && perKey < ANALYSIS_LIMIT / 4) m.set(r.idx, perKey);
      }
    } catch {
      /* no statistics yet */
    }
    this.rowsPerKey = m;
  }

  /**
   * Ids come from blocks reserved durably before any id of them is handed out, so ids never
   * repeat after a crash. The next block is reserved through the writer half a block ahead; the
   * synchronous write on this connection (which may wait for the writer's COMMIT) is the fallback.
   */
  newId(): string {
    if (this.idNext >= this.idLimit) {
      const limit = this.idNext + ID_BLOCK;
      this.stmt(ID_RESERVE_SQL).run(limit); // throws (nothing handed out) when it cannot be made durable
      this.idLimit = limit;
    } else if (!this.reservingIds && this.writes && this.idLimit - this.idNext < ID_BLOCK / 2) {
      this.reservingIds = true;
      const limit = this.idLimit + ID_BLOCK;
      this.submit<number>({ kind: 'reserveIds', limit }).then(
        () => {
          this.idLimit = Math.max(this.idLimit, limit);
          this.reservingIds = false;
        },
        () => {
          this.reservingIds = false;
        },
      );
    }
    return `~${this.idNext++}`;
  }

  private reservingIds = false;

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      if (this.stmts.size > 2000) this.stmts.clear();
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  async get(type: string, id: string): Promise<Doc | undefined> {
    entityDef(type);
    const row = this.stmt(`SELECT d.doc AS doc, e._version AS v FROM ${table(type)} e JOIN ${docTable(type)} d ON d.rid = e.rid WHERE e._id = ?`).get(id) as
      { doc: string; v: number } | undefined;
    return row ? toDoc(row) : undefined;
  }

  async getMany(type: string, ids: readonly string[]): Promise<Doc[]> {
    entityDef(type);
    if (ids.length === 0) return [];
    const out = new Map<string, Doc>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(
          `SELECT d.doc AS doc, e._version AS v FROM ${table(type)} e JOIN ${docTable(type)} d ON d.rid = e.rid WHERE e._id IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(...chunk) as Array<{ doc: string; v: number }>;
      for (const r of rows) {
        const d = toDoc(r);
        out.set(d._id, d);
      }
    }
    return ids.flatMap((id) => (out.has(id) ? [out.get(id)!] : []));
  }

  // ---- writes: queued, group-committed (write-queue.ts) ----

  private submit<T>(req: WriteRequest): Promise<T> {
    if (this.options.readOnly) return Promise.reject(new Error(`${this.options.path} is open read-only`));
    return this.writes.submit(req) as Promise<T>;
  }

  async insert(doc: NewDoc): Promise<Doc> {
    const [d] = await this.batch([{ op: 'insert', doc }]);
    return d as Doc;
  }

  async update(type: string, id: string, patch: Patch, by: string, expectedVersion?: number): Promise<Doc> {
    const [d] = await this.batch([{ op: 'update', type, id, patch, by, ...(expectedVersion !== undefined ? { expectedVersion } : {}) }]);
    return d as Doc;
  }

  async delete(type: string, id: string): Promise<boolean> {
    const [d] = await this.batch([{ op: 'delete', type, id }]);
    return d as boolean;
  }

  async batch(ops: readonly BatchOp[]): Promise<Array<Doc | boolean>> {
    // unknown types fail here, with their message, before anything is queued
    for (const op of ops) if (op.op !== 'claim' && op.op !== 'release') entityDef(op.op === 'insert' ? op.doc._type : op.type);
    return this.submit<Array<Doc | boolean>>({ kind: 'batch', ops });
  }

  claimUnique(scope: string, key: string, owner: string): Promise<boolean> {
    return this.submit({ kind: 'claim', scope, key, owner });
  }

  async uniqueOwner(scope: string, key: string): Promise<string | undefined> {
    const r = this.stmt(`SELECT owner FROM uniq WHERE scope = ? AND k = ?`).get(scope, key) as { owner: string } | undefined;
    return r?.owner;
  }

  async releaseUnique(scope: string, key: string): Promise<void> {
    await this.batch([{ op: 'release', scope, key }]);
  }

  nextSequence(name: string): Promise<number> {
    return this.submit({ kind: 'seq', name });
  }

  async query(q: Query): Promise<QueryResult> {
    if (q.output.kind === 'aggregate') {
      // compiled to GROUP BY queries (compile-aggs.ts)
      return { kind: 'aggregate', result: runAggregations(q, q.output.aggs, (sql, params) => this.stmt(sql).all(...params) as Array<Record<string, unknown>>) };
    }
    if (q.output.kind === 'count') {
      const c = compileQuery(q);
      const r = this.stmt(c.sql).get(...c.params) as { n: number };
      return { kind: 'count', count: r.n };
    }
    return { kind: 'rows', rows: this.docsOf(q.entity, this.pageRows(q)) };
  }

  private readonly small = new Map<string, { small: boolean; at: number }>();

  /**
   * Whether `e_<type>` holds at most FEW_ROWS rows (checked again after a second): a page of
   * such a table is cheaper sorted than walked. Every authenticated request looks its profile
   * and the admin organisation up by name: one query each instead of a window probe and two.
   */
  private smallTable(type: string): boolean {
    const now = Date.now();
    const c = this.small.get(type);
    if (c && now - c.at < 1000) return c.small;
    const n = (this.stmt(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table(entityDef(type).name)} LIMIT ${FEW_ROWS + 1})`).get() as { n: number }).n;
    this.small.set(type, { small: n <= FEW_ROWS, at: now });
    return n <= FEW_ROWS;
  }

  /**
   * The (rid, version) of a page, in order. A small page sorted on an indexed field is first
   * looked for among the first rows of that field's index (a bounded walk, see compileQuery):
   * a filter that keeps many rows then needs no sort of all its matches. When that window does
   * not hold a full page, the unbounded query runs.
   */
  private pageRows(q: Query): Array<{ rid: number; v: number }> {
    const out = q.output as { kind: 'rows'; from: number; to: number };
    // a query whose best index term matches few rows is cheaper sorted than walked
    // (tests that fix the window size exercise the walk on every query)
    const few =
      this.options.sortWindowRows === undefined &&
      (this.smallTable(q.entity) || (estimateRows(q.entity, q.where, (i) => this.rowsPerKey.get(i)) ?? Infinity) <= FEW_ROWS);
    const w = out.to > out.from && out.to <= WINDOW_MAX_END && !few ? sortWindow(q) : undefined;
    if (w) {
      const t = table(entityDef(q.entity).name);
      const order = `ORDER BY ${w.columns.map((c) => `${c} ${w.dir === 'desc' ? 'DESC' : 'ASC'}`).join(', ')}`;
      const walk = `FROM ${t} INDEXED BY ${w.index} ${order}`;
      const probe = this.stmt(
        `SELECT ${w.columns.map((c, i) => `(SELECT ${c} ${walk} LIMIT 1 OFFSET ?) AS b${i}`).join(', ')}, (SELECT ${w.columns[0]} ${walk} LIMIT 1) AS first`,
      ).safeIntegers(true);
      const offset = (this.options.sortWindowRows ?? windowSize(out.to)) - 1;
      const row = probe.get(...w.columns.map(() => offset)) as Record<string, unknown>;
      const bound = w.columns.map((_c, i) => row[`b${i}`]);
      // ascending walks start with the NULLs, which a bound excludes: only bound a column without them
      if (bound.every((b) => b !== null) && (w.dir === 'desc' || row.first !== null)) {
        const c = compileQuery(q, { window: w, values: bound });
        const rows = this.stmt(c.sql).all(...c.params) as Array<{ rid: number; v: number }>;
        if (rows.length === out.to - out.from) return rows;
      }
    }
    const c = compileQuery(q);
    return this.stmt(c.sql).all(...c.params) as Array<{ rid: number; v: number }>;
  }

  /** The documents of `rows` (from a rows query), in the same order. */
  private docsOf(type: string, rows: ReadonlyArray<{ rid: number; v: number }>): Doc[] {
    if (rows.length === 0) return [];
    const docs = new Map<number, string>();
    const read = this.stmt(`SELECT rid, doc FROM ${docTable(type)} WHERE rid IN (SELECT value FROM json_each(?))`);
    for (let i = 0; i < rows.length; i += 10_000) {
      const chunk = rows.slice(i, i + 10_000);
      for (const r of read.all(JSON.stringify(chunk.map((x) => x.rid))) as Array<{ rid: number; doc: string }>) docs.set(r.rid, r.doc);
    }
    return rows.flatMap((r) => {
      const doc = docs.get(r.rid);
      return doc === undefined ? [] : [toDoc({ doc, v: r.v })];
    });
  }

  // ---- raw copy (`waggle migrate-storage`) ----

  async scan(type: string, cursor: string | undefined, limit: number): Promise<ScanPage<Doc>> {
    entityDef(type);
    const rows = this.stmt(
      `SELECT d.doc AS doc, e._version AS v FROM ${table(type)} e JOIN ${docTable(type)} d ON d.rid = e.rid WHERE e._id > ? ORDER BY e._id LIMIT ?`,
    ).all(cursor ?? '', limit) as Array<{ doc: string; v: number }>;
    const items = rows.map(toDoc);
    return rows.length < limit ? { items } : { items, cursor: items[items.length - 1]!._id };
  }

  async restore(docs: readonly Doc[]): Promise<void> {
    for (const d of docs) entityDef(d._type);
    if (docs.length) await this.submit({ kind: 'restore', docs });
  }

  async scanClaims(cursor: string | undefined, limit: number): Promise<ScanPage<UniqueClaim>> {
    const [scope, key] = cursor ? (JSON.parse(cursor) as [string, string]) : ['', ''];
    const rows = this.stmt(`SELECT scope, k AS key, owner FROM uniq WHERE (scope, k) > (?, ?) ORDER BY scope, k LIMIT ?`).all(
      scope,
      key,
      limit,
    ) as UniqueClaim[];
    const last = rows[rows.length - 1];
    return rows.length < limit || !last ? { items: rows } : { items: rows, cursor: JSON.stringify([last.scope, last.key]) };
  }

  async restoreClaims(claims: readonly UniqueClaim[]): Promise<void> {
    if (claims.length) await this.submit({ kind: 'restoreClaims', claims });
  }

  async counters(): Promise<StoreCounters> {
    const sequences: Record<string, number> = {};
    for (const r of this.stmt(`SELECT name, v FROM seq ORDER BY name`).all() as Array<{ name: string; v: number }>) sequences[r.name] = Number(r.v);
    const row = this.stmt(`SELECT v FROM meta WHERE k = 'idLimit'`).get() as { v: number } | undefined;
    return { sequences, nextId: Math.max(Number(row?.v ?? 4096), this.idNext) };
  }

  async restoreCounters(counters: StoreCounters): Promise<void> {
    await this.submit({ kind: 'restoreCounters', counters });
    if (this.idNext < counters.nextId) {
      this.idNext = counters.nextId;
      this.idLimit = Math.max(this.idLimit, counters.nextId);
    }
  }

  /** For diagnostics and benchmarks: the SQLite query plan of a query. */
  explain(q: Query): string[] {
    const c = compileQuery(q);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params) as Array<{ detail: string }>).map((r) => r.detail);
  }

  /** Brings the planner's statistics up to date now (after bulk loads; also done at start, hourly and at close). */
  analyze(): void {
    this.maintainStats();
  }
}
