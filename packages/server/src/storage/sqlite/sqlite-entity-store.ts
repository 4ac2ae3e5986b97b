/**
 * EntityStore on SQLite (better-sqlite3, WAL). Writes are queued and committed together
 * (group commit): each write runs in its own savepoint inside one transaction per tick, and
 * its promise resolves only after COMMIT, with `synchronous=FULL`, so an acknowledged write
 * survives `kill -9` and power loss while many concurrent writers share one fsync.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchOp, Doc, EntityStore, NewDoc, Patch } from '../entity-store.js';
import type { Query, QueryResult } from '../../query/ir.js';
import { ENTITIES, entityDef, SYSTEM_MULTI_VALUED } from '../../entities/registry.js';
import { ConflictError, NotFoundError } from '../../errors/errors.js';
import { compileQuery } from './compile.js';
import { MV_VALUE_UNTYPED, migrationFor, multiValuedFields, mvTable, table } from './schema.js';
import { aggregateDocs } from '../../query/aggregate-docs.js';

/** The slice of better-sqlite3 this adapter uses. */
type Db = Database.Database;

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  path: string;
  synchronous?: 'FULL' | 'NORMAL';
}

interface PendingWrite {
  run: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const ID_BLOCK = 1000;

/**
 * A value for the untyped side table. better-sqlite3 binds every JS number as REAL, so 21
 * would be stored as 21.0 and read as text "21.0" by LIKE; integers are bound as INTEGER.
 */
function sqlValue(v: unknown): unknown {
  return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
}

export class SqliteEntityStore implements EntityStore {
  private db!: Db;
  private readonly stmts = new Map<string, Database.Statement>();
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private idNext = 0;
  private idLimit = 0;

  constructor(private readonly options: SqliteStoreOptions) {}

  async init(): Promise<void> {
    if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
    this.db = new Database(this.options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${this.options.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v ANY) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS uniq (scope TEXT NOT NULL, k TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (scope, k)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS seq (name TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;`);
    const migrate = this.db.transaction(() => {
      for (const def of ENTITIES.values()) {
        const cols = this.db.prepare(`SELECT name FROM pragma_table_xinfo(?)`).all(`e_${def.name}`) as Array<{ name: string }>;
        const existing = cols.length ? new Set(cols.map((c) => c.name)) : undefined;
        for (const stmt of migrationFor(def, existing)) this.db.exec(stmt);
        this.rebuildTypedSideTable(def.name);
      }
    });
    migrate();
    const row = this.db.prepare(`SELECT v FROM meta WHERE k = 'idLimit'`).get() as { v: number } | undefined;
    this.idNext = row?.v ?? 4096;
    this.idLimit = this.idNext;
  }

  /**
   * Side tables created before `v` became untyped had NUMERIC affinity, which turned text such
   * as "007" or "1e3" into numbers; rebuild them from the documents.
   */
  private rebuildTypedSideTable(type: string): void {
    const col = this.db.prepare(`SELECT type FROM pragma_table_info(?) WHERE name = 'v'`).get(`m_${type}`) as { type: string } | undefined;
    if (!col || col.type === MV_VALUE_UNTYPED) return;
    const mt = mvTable(type);
    this.db.exec(`DROP TABLE ${mt}`);
    for (const stmt of migrationFor(entityDef(type), undefined).filter((s) => s.includes(mt))) this.db.exec(stmt);
    const select = this.db.prepare(`SELECT _id, doc, _version AS v FROM ${table(type)} WHERE _id > ? ORDER BY _id LIMIT 1000`);
    for (let after = ''; ; ) {
      const batch = select.all(after) as Array<{ _id: string; doc: string; v: number }>;
      if (batch.length === 0) break;
      for (const row of batch) this.writeMv(SqliteEntityStore.toDoc(row));
      after = batch[batch.length - 1]!._id;
    }
  }

  async close(): Promise<void> {
    if (!this.db?.open) return;
    this.flush();
    this.db.close();
  }

  newId(): string {
    if (this.idNext >= this.idLimit) {
      // Reserve a block durably before handing out ids from it, so ids never repeat after a crash.
      this.idLimit = this.idNext + ID_BLOCK;
      this.db.prepare(`INSERT INTO meta (k, v) VALUES ('idLimit', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`).run(this.idLimit);
    }
    return `~${this.idNext++}`;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      if (this.stmts.size > 2000) this.stmts.clear();
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private static toDoc(row: { doc: string; v: number }): Doc {
    const doc = JSON.parse(row.doc) as Doc;
    doc._version = row.v;
    return doc;
  }

  async get(type: string, id: string): Promise<Doc | undefined> {
    entityDef(type);
    const row = this.stmt(`SELECT doc, _version AS v FROM ${table(type)} WHERE _id = ?`).get(id) as { doc: string; v: number } | undefined;
    return row ? SqliteEntityStore.toDoc(row) : undefined;
  }

  async getMany(type: string, ids: readonly string[]): Promise<Doc[]> {
    entityDef(type);
    if (ids.length === 0) return [];
    const out = new Map<string, Doc>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT doc, _version AS v FROM ${table(type)} WHERE _id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as Array<{ doc: string; v: number }>;
      for (const r of rows) {
        const d = SqliteEntityStore.toDoc(r);
        out.set(d._id, d);
      }
    }
    return ids.flatMap((id) => (out.has(id) ? [out.get(id)!] : []));
  }

  // ---- writes: queued, group-committed ----

  private enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const work = this.pending;
    this.pending = [];
    if (work.length === 0) return;
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const w of work) w.reject(error);
      return;
    }
    for (const w of work) {
      this.db.exec('SAVEPOINT w');
      try {
        const value = w.run();
        this.db.exec('RELEASE w');
        results.push({ ok: true, value });
      } catch (error) {
        this.db.exec('ROLLBACK TO w');
        this.db.exec('RELEASE w');
        results.push({ ok: false, error });
      }
    }
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        /* already rolled back */
      }
      for (const w of work) w.reject(error);
      return;
    }
    work.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  }

  private writeMv(doc: Doc): void {
    const def = entityDef(doc._type);
    const mt = mvTable(def.name);
    this.stmt(`DELETE FROM ${mt} WHERE id = ?`).run(doc._id);
    const ins = this.stmt(`INSERT OR IGNORE INTO ${mt} (f, v, id) VALUES (?, ?, ?)`);
    for (const f of SYSTEM_MULTI_VALUED) {
      const vals = doc[f];
      if (Array.isArray(vals)) for (const v of vals) if (typeof v === 'string') ins.run(f, v, doc._id);
    }
    for (const f of multiValuedFields(def)) {
      const vals = doc[f];
      if (Array.isArray(vals)) for (const v of vals) if (typeof v === 'string' || typeof v === 'number') ins.run(f, sqlValue(v), doc._id);
    }
    const cfs = def.fields.customFields?.type === 'customFields' ? doc.customFields : undefined;
    if (Array.isArray(cfs)) {
      for (const cf of cfs as Array<{ name?: unknown; value?: unknown }>) {
        if (typeof cf?.name !== 'string') continue;
        const v = cf.value;
        if (v === null || v === undefined) continue;
        ins.run(`cf.${cf.name}`, sqlValue(typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'object' ? JSON.stringify(v) : v), doc._id);
      }
    }
  }

  private static serialize(doc: Doc): string {
    const { _version: _omit, ...rest } = doc;
    void _omit;
    return JSON.stringify(rest);
  }

  private doInsert(newDoc: NewDoc): Doc {
    entityDef(newDoc._type);
    const doc: Doc = { ...newDoc, _version: 1 } as Doc;
    try {
      this.stmt(`INSERT INTO ${table(doc._type)} (_id, _version, doc) VALUES (?, 1, ?)`).run(doc._id, SqliteEntityStore.serialize(doc));
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new ConflictError(`${doc._type} ${doc._id} already exists`);
      throw e;
    }
    this.writeMv(doc);
    return doc;
  }

  private doUpdate(type: string, id: string, patch: Patch, by: string, expectedVersion?: number, at?: number): Doc {
    const row = this.stmt(`SELECT doc, _version AS v FROM ${table(type)} WHERE _id = ?`).get(id) as { doc: string; v: number } | undefined;
    if (!row) throw new NotFoundError(`${type} ${id} not found`);
    if (expectedVersion !== undefined && row.v !== expectedVersion) throw new ConflictError(`${type} ${id} was modified concurrently`);
    const doc = SqliteEntityStore.toDoc(row);
    for (const [k, v] of Object.entries(patch)) {
      if (k === '_id' || k === '_type' || k === '_version' || k === '_createdAt' || k === '_createdBy') continue;
      if (v === null || v === undefined) delete doc[k];
      else doc[k] = v;
    }
    doc._updatedAt = at ?? Date.now();
    doc._updatedBy = by;
    doc._version = row.v + 1;
    this.stmt(`UPDATE ${table(type)} SET _version = ?, doc = ? WHERE _id = ?`).run(doc._version, SqliteEntityStore.serialize(doc), id);
    this.writeMv(doc);
    return doc;
  }

  private doDelete(type: string, id: string): boolean {
    const r = this.stmt(`DELETE FROM ${table(type)} WHERE _id = ?`).run(id);
    this.stmt(`DELETE FROM ${mvTable(type)} WHERE id = ?`).run(id);
    return r.changes > 0;
  }

  private doClaim(scope: string, key: string, owner: string): boolean {
    const existing = this.stmt(`SELECT owner FROM uniq WHERE scope = ? AND k = ?`).get(scope, key) as { owner: string } | undefined;
    if (existing) return existing.owner === owner;
    this.stmt(`INSERT INTO uniq (scope, k, owner) VALUES (?, ?, ?)`).run(scope, key, owner);
    return true;
  }

  private doRelease(scope: string, key: string): boolean {
    return this.stmt(`DELETE FROM uniq WHERE scope = ? AND k = ?`).run(scope, key).changes > 0;
  }

  insert(doc: NewDoc): Promise<Doc> {
    return this.enqueue(() => this.doInsert(doc));
  }

  update(type: string, id: string, patch: Patch, by: string, expectedVersion?: number): Promise<Doc> {
    entityDef(type);
    return this.enqueue(() => this.doUpdate(type, id, patch, by, expectedVersion));
  }

  delete(type: string, id: string): Promise<boolean> {
    entityDef(type);
    return this.enqueue(() => this.doDelete(type, id));
  }

  batch(ops: readonly BatchOp[]): Promise<Array<Doc | boolean>> {
    return this.enqueue(() =>
      ops.map((op): Doc | boolean => {
        switch (op.op) {
          case 'insert':
            return this.doInsert(op.doc);
          case 'update':
            entityDef(op.type);
            return this.doUpdate(op.type, op.id, op.patch, op.by, op.expectedVersion, op.at);
          case 'delete':
            entityDef(op.type);
            return this.doDelete(op.type, op.id);
          case 'claim':
            if (!this.doClaim(op.scope, op.key, op.owner)) throw new ConflictError(`${op.key} is already taken in ${op.scope}`);
            return true;
          case 'release':
            return this.doRelease(op.scope, op.key);
        }
      }),
    );
  }

  claimUnique(scope: string, key: string, owner: string): Promise<boolean> {
    return this.enqueue(() => this.doClaim(scope, key, owner));
  }

  async uniqueOwner(scope: string, key: string): Promise<string | undefined> {
    const r = this.stmt(`SELECT owner FROM uniq WHERE scope = ? AND k = ?`).get(scope, key) as { owner: string } | undefined;
    return r?.owner;
  }

  async releaseUnique(scope: string, key: string): Promise<void> {
    await this.enqueue(() => this.doRelease(scope, key));
  }

  nextSequence(name: string): Promise<number> {
    return this.enqueue(() => {
      const r = this.stmt(`INSERT INTO seq (name, v) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET v = v + 1 RETURNING v`).get(name) as { v: number };
      return r.v;
    });
  }

  async query(q: Query): Promise<QueryResult> {
    if (q.output.kind === 'aggregate') {
      // Aggregations run over the matching documents; SQL push-down comes with dashboards.
      const all = compileQuery({ ...q, sort: [], output: { kind: 'rows', from: 0, to: Number.MAX_SAFE_INTEGER } });
      const rows = (this.stmt(all.sql).all(...all.params) as Array<{ doc: string; v: number }>).map(SqliteEntityStore.toDoc);
      return { kind: 'aggregate', result: aggregateDocs(rows, q.output.aggs) };
    }
    const c = compileQuery(q);
    if (q.output.kind === 'count') {
      const r = this.stmt(c.sql).get(...c.params) as { n: number };
      return { kind: 'count', count: r.n };
    }
    const rows = this.stmt(c.sql).all(...c.params) as Array<{ doc: string; v: number }>;
    return { kind: 'rows', rows: rows.map(SqliteEntityStore.toDoc) };
  }

  /** For diagnostics and benchmarks: the SQLite query plan of a query. */
  explain(q: Query): string[] {
    const c = compileQuery(q);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params) as Array<{ detail: string }>).map((r) => r.detail);
  }

  /** Runs ANALYZE so the planner has statistics (after bulk loads). */
  analyze(): void {
    this.db.exec('ANALYZE');
  }
}
