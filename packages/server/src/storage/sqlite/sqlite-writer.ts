/**
 * The write side of the SQLite adapter: applies write requests on one connection and commits
 * them together (group commit). Each request runs in its own savepoint inside one transaction,
 * so a failing request (duplicate claim, version conflict, missing document) rolls back alone;
 * the outcomes are known only after COMMIT. The writer thread commits with `synchronous=NORMAL`
 * and answers a group only after an fsync of the WAL covering it (`durable-acks.ts`), so an
 * acknowledged group survives `kill -9` and power loss; `:memory:` uses `synchronous` as given.
 *
 * The same class serves the writer thread (`sqlite-writer.worker.ts`, file databases) and the
 * main thread (`:memory:` databases, and the start-up migration that rewrites side tables).
 */
import type Database from 'better-sqlite3';
import type { BatchOp, Doc, NewDoc, Patch, StoreCounters, UniqueClaim } from '../entity-store.js';
import { entityDef, SYSTEM_MULTI_VALUED, type EntityDef } from '../../entities/registry.js';
import { ConflictError, NotFoundError } from '../../errors/errors.js';
import {
  columnValues,
  docTable,
  lookupFields,
  lookupTable,
  lookupTokens,
  multiValuedFields,
  mvScope,
  mvTable,
  ORG_COLUMN,
  soleOrg,
  table,
  typedColumns,
} from './schema.js';

/**
 * An insert whose rows the main thread computed (`prepareInsert`): the writer thread then
 * only binds values, and never parses or serializes the document. Integers travel as JSON
 * numbers and are bound as INTEGER again (`bindable`).
 */
export interface PreparedInsert {
  op: 'insertRow';
  type: string;
  id: string;
  /** `v_org` and the typed columns, in `typedColumns` order. */
  cols: unknown[];
  /** The stored JSON of the document. */
  json: string;
  /** Side-table rows: (field, value). */
  mv: Array<[string, unknown]>;
  /** The side-table rows' `o` and `d` (`mvScope`). */
  mvScope: [string, number];
  /** The lookup tokens, per `lookupFields` (schema.ts). */
  lookups: Array<string | null>;
}

/** What a writer is asked to do: one atomic batch, a non-throwing claim, or a counter step. */
export type WriteRequest =
  | { kind: 'batch'; ops: ReadonlyArray<BatchOp | PreparedInsert> }
  | { kind: 'claim'; scope: string; key: string; owner: string }
  | { kind: 'seq'; name: string }
  /** Raises the durable id limit (`newId`) to at least `limit`. */
  | { kind: 'reserveIds'; limit: number }
  /** Raw copy (`EntityStore.restore*`): documents, claims or counters written as given. */
  | { kind: 'restore'; docs: readonly Doc[] }
  | { kind: 'restoreClaims'; claims: readonly UniqueClaim[] }
  | { kind: 'restoreCounters'; counters: StoreCounters };

/** Raises the durable id limit, never lowers it (a synchronous and an asynchronous reservation may cross). */
export const ID_RESERVE_SQL = `INSERT INTO meta (k, v) VALUES ('idLimit', ?) ON CONFLICT(k) DO UPDATE SET v = max(v, excluded.v)`;

/** The outcome of one request: its value (batch results, claim result, counter value) or its error. */
export type WriteOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * A value for the untyped side table. better-sqlite3 binds every JS number as REAL, so 21
 * would be stored as 21.0 and read as text "21.0" by LIKE; integers are bound as INTEGER.
 */
function sqlValue(v: unknown): unknown {
  return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
}

/** A column value as JSON can carry it (BigInt as a number; `bindable` undoes it). */
const wireValue = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

/** A typed-column value read back from JSON, bound as `sqlScalar` binds it. */
const bindable = (v: unknown): unknown => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v) : v);

/**
 * The side-table rows of `doc`. The `_orgs` rows are needed only when `v_org` cannot answer
 * (shared or restricted documents).
 */
export function mvRows(def: EntityDef, doc: Doc | NewDoc): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const sole = soleOrg(doc) !== null;
  for (const f of SYSTEM_MULTI_VALUED) {
    if (f === '_orgs' && sole) continue;
    const vals = doc[f];
    if (Array.isArray(vals)) for (const v of vals) if (typeof v === 'string') out.push([f, v]);
  }
  for (const f of multiValuedFields(def)) {
    const vals = doc[f];
    if (Array.isArray(vals)) for (const v of vals) if (typeof v === 'string' || typeof v === 'number') out.push([f, sqlValue(v)]);
  }
  const cfs = def.fields.customFields?.type === 'customFields' ? doc.customFields : undefined;
  if (Array.isArray(cfs)) {
    for (const cf of cfs as Array<{ name?: unknown; value?: unknown }>) {
      if (typeof cf?.name !== 'string') continue;
      const v = cf.value;
      if (v === null || v === undefined) continue;
      out.push([`cf.${cf.name}`, sqlValue(typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'object' ? JSON.stringify(v) : v)]);
    }
  }
  return out;
}

/** The rows of an insert, computed where the document is (the main thread), for `SqliteWriter`. */
export function prepareInsert(doc: NewDoc): PreparedInsert {
  const def = entityDef(doc._type);
  return {
    op: 'insertRow',
    type: def.name,
    id: doc._id,
    cols: columnValues(def, doc).map(wireValue),
    json: serializeDoc(doc),
    mv: mvRows(def, doc).map(([f, v]) => [f, wireValue(v)]),
    mvScope: mvScope(doc),
    lookups: lookupTokens(def, doc),
  };
}

/** The stored JSON of a document (the version lives in `e_<type>._version`). */
export function serializeDoc(doc: NewDoc | Doc): string {
  // a new document has no version: no copy (ingestion serializes 22 documents per alert)
  if ((doc as Partial<Doc>)._version === undefined) return JSON.stringify(doc);
  const { _version: _omit, ...rest } = doc as Doc;
  void _omit;
  return JSON.stringify(rest);
}

/**
 * A batch as it crosses to the writer thread: one JSON header whose `insertRow` ops leave out
 * their document, and the documents' JSON as separate strings, in op order. Nested in the
 * header, each document would be escaped by `JSON.stringify` and unescaped by `JSON.parse`
 * again (an alert's 22 documents are most of its bytes).
 */
export interface WireBatch {
  header: string;
  docs: string[];
}

/** The wire form of a request: inserts as rows `prepareInsert` computed, their documents apart. */
export function toWire(req: WriteRequest): WireBatch {
  if (req.kind !== 'batch') return { header: JSON.stringify(req), docs: [] };
  const docs: string[] = [];
  const ops = req.ops.map((op) => {
    if (op.op !== 'insert' && op.op !== 'insertRow') return op;
    const { json, ...row } = op.op === 'insert' ? prepareInsert(op.doc) : op;
    docs.push(json);
    return row;
  });
  return { header: JSON.stringify({ kind: 'batch', ops }), docs };
}

/** The request `toWire` sent: the header parsed, each `insertRow` given its document back. */
export function fromWire(wire: WireBatch): WriteRequest {
  const req = JSON.parse(wire.header) as WriteRequest;
  if (req.kind !== 'batch') return req;
  let k = 0;
  for (const op of req.ops) if (op.op === 'insertRow') (op as { json: string }).json = wire.docs[k++]!;
  if (k !== wire.docs.length) throw new Error(`Malformed write request: ${wire.docs.length} documents for ${k} inserts`);
  return req;
}

/** A document from its stored JSON and version. */
export function toDoc(row: { doc: string; v: number }): Doc {
  const doc = JSON.parse(row.doc) as Doc;
  doc._version = row.v;
  return doc;
}

/** INSERT into `e_<type>`: (rid?, _id, _version, v_org, typed columns...), memoised per type. */
const insertSqls = new Map<string, string>();
export function insertSql(def: EntityDef, withRid = false): string {
  const k = `${def.name}|${withRid}`;
  let sql = insertSqls.get(k);
  if (!sql) {
    const cols = [...(withRid ? ['rid'] : []), '_id', '_version', ORG_COLUMN, ...typedColumns(def).map((c) => `"${c.name}"`)];
    insertSqls.set(k, (sql = `INSERT INTO ${table(def.name)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`));
  }
  return sql;
}

/** Per entity type, the statements of its writes (prepared once). */
interface TypeStatements {
  insert: Database.Statement;
  insertDoc: Database.Statement;
  insertMv: Database.Statement;
  deleteMv: Database.Statement;
  selectForUpdate: Database.Statement;
  update: Database.Statement;
  updateDoc: Database.Statement;
  delete: Database.Statement;
  deleteDoc: Database.Statement;
  /** Per lookup field (schema.ts `lookupFields`): add a token for a rowid, remove a rowid's. */
  lookupInsert: Database.Statement[];
  lookupDelete: Database.Statement[];
}

export class SqliteWriter {
  private readonly typeStmts = new Map<string, TypeStatements>();
  private readonly claimSelect: Database.Statement;
  private readonly claimInsert: Database.Statement;
  private readonly claimDelete: Database.Statement;
  private readonly seqNext: Database.Statement;
  private readonly idReserve: Database.Statement;
  private readonly claimUpsert: Database.Statement;
  private readonly seqRaise: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.claimSelect = db.prepare(`SELECT owner FROM uniq WHERE scope = ? AND k = ?`);
    this.claimInsert = db.prepare(`INSERT INTO uniq (scope, k, owner) VALUES (?, ?, ?)`);
    this.claimDelete = db.prepare(`DELETE FROM uniq WHERE scope = ? AND k = ?`);
    this.idReserve = db.prepare(ID_RESERVE_SQL);
    this.claimUpsert = db.prepare(`INSERT INTO uniq (scope, k, owner) VALUES (?, ?, ?) ON CONFLICT(scope, k) DO UPDATE SET owner = excluded.owner`);
    this.seqRaise = db.prepare(`INSERT INTO seq (name, v) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET v = max(v, excluded.v)`);
    this.seqNext = db.prepare(`INSERT INTO seq (name, v) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET v = v + 1 RETURNING v`);
  }

  private stmts(def: EntityDef): TypeStatements {
    let s = this.typeStmts.get(def.name);
    if (!s) {
      const t = table(def.name);
      const dt = docTable(def.name);
      const mt = mvTable(def.name);
      const cols = [ORG_COLUMN, ...typedColumns(def).map((c) => `"${c.name}"`)];
      s = {
        insert: this.db.prepare(insertSql(def)),
        insertDoc: this.db.prepare(`INSERT INTO ${dt} (rid, doc) VALUES (?, ?)`),
        insertMv: this.db.prepare(`INSERT OR IGNORE INTO ${mt} (f, v, o, d, id) VALUES (?, ?, ?, ?, ?)`),
        deleteMv: this.db.prepare(`DELETE FROM ${mt} WHERE id = ?`),
        selectForUpdate: this.db.prepare(`SELECT e.rid AS rid, d.doc AS doc, e._version AS v FROM ${t} e JOIN ${dt} d ON d.rid = e.rid WHERE e._id = ?`),
        update: this.db.prepare(`UPDATE ${t} SET _version = ?, ${cols.map((c) => `${c} = ?`).join(', ')} WHERE rid = ?`),
        updateDoc: this.db.prepare(`UPDATE ${dt} SET doc = ? WHERE rid = ?`),
        delete: this.db.prepare(`DELETE FROM ${t} WHERE _id = ? RETURNING rid`),
        deleteDoc: this.db.prepare(`DELETE FROM ${dt} WHERE rid = ?`),
        lookupInsert: lookupFields(def).map((f) => this.db.prepare(`INSERT INTO ${lookupTable(def.name, f)} (rowid, t) VALUES (?, ?)`)),
        lookupDelete: lookupFields(def).map((f) => this.db.prepare(`DELETE FROM ${lookupTable(def.name, f)} WHERE rowid = ?`)),
      };
      this.typeStmts.set(def.name, s);
    }
    return s;
  }

  /**
   * Applies the requests in one transaction and commits. A failing request is rolled back
   * alone; a failing BEGIN or COMMIT fails them all. The group first runs without savepoints
   * (each would copy every page it dirties to a sub-journal); only when a request fails is the
   * group rolled back and run again with one savepoint per request.
   */
  commitGroup(requests: readonly WriteRequest[]): WriteOutcome[] {
    const begun = this.begin(requests);
    if (begun) return begun;
    const values: unknown[] = [];
    try {
      for (const r of requests) values.push(this.apply(r));
    } catch (error) {
      this.rollback();
      if (requests.length === 1) return [{ ok: false, error }];
      return this.commitEach(requests);
    }
    return this.commit(requests) ?? values.map((value) => ({ ok: true, value }));
  }

  /** The group again, each request in its own savepoint. */
  private commitEach(requests: readonly WriteRequest[]): WriteOutcome[] {
    const begun = this.begin(requests);
    if (begun) return begun;
    const outcomes: WriteOutcome[] = [];
    for (const r of requests) {
      this.db.exec('SAVEPOINT w');
      try {
        const value = this.apply(r);
        this.db.exec('RELEASE w');
        outcomes.push({ ok: true, value });
      } catch (error) {
        this.db.exec('ROLLBACK TO w');
        this.db.exec('RELEASE w');
        outcomes.push({ ok: false, error });
      }
    }
    return this.commit(requests) ?? outcomes;
  }

  /** BEGIN IMMEDIATE; on failure, that failure for every request. */
  private begin(requests: readonly WriteRequest[]): WriteOutcome[] | undefined {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      return undefined;
    } catch (error) {
      return requests.map(() => ({ ok: false, error }));
    }
  }

  /** COMMIT; on failure, rolled back and that failure for every request. */
  private commit(requests: readonly WriteRequest[]): WriteOutcome[] | undefined {
    try {
      this.db.exec('COMMIT');
      return undefined;
    } catch (error) {
      this.rollback();
      return requests.map(() => ({ ok: false, error }));
    }
  }

  private rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      /* already rolled back */
    }
  }

  private apply(r: WriteRequest): unknown {
    switch (r.kind) {
      case 'batch':
        return r.ops.map((op) => this.applyOp(op));
      case 'claim':
        return this.claim(r.scope, r.key, r.owner);
      case 'seq':
        return (this.seqNext.get(r.name) as { v: number }).v;
      case 'reserveIds':
        this.idReserve.run(r.limit);
        return r.limit;
      case 'restore':
        for (const doc of r.docs) this.restoreDoc(doc);
        return r.docs.length;
      case 'restoreClaims':
        for (const c of r.claims) this.claimUpsert.run(c.scope, c.key, c.owner);
        return r.claims.length;
      case 'restoreCounters':
        for (const [name, v] of Object.entries(r.counters.sequences)) this.seqRaise.run(name, v);
        this.idReserve.run(r.counters.nextId);
        return r.counters.nextId;
    }
  }

  private applyOp(op: BatchOp | PreparedInsert): Doc | boolean | 0 {
    switch (op.op) {
      case 'insertRow':
        this.insertRow(op);
        return 0;
      case 'insert':
        return this.insert(op.doc);
      case 'update':
        return this.update(op.type, op.id, op.patch, op.by, op.expectedVersion, op.at);
      case 'delete':
        return this.delete(op.type, op.id);
      case 'claim':
        if (!this.claim(op.scope, op.key, op.owner)) throw new ConflictError(`${op.key} is already taken in ${op.scope}`);
        return true;
      case 'release':
        return this.claimDelete.run(op.scope, op.key).changes > 0;
    }
  }

  /** Writes the side-table rows of `doc` (after deleting the old ones unless `fresh`). */
  writeMv(doc: Doc | NewDoc, fresh = false): void {
    const def = entityDef(doc._type);
    const s = this.stmts(def);
    if (!fresh) s.deleteMv.run(doc._id);
    const [o, d] = mvScope(doc);
    for (const [f, v] of mvRows(def, doc)) s.insertMv.run(f, v, o, d, doc._id);
  }

  /** Inserts the rows `prepareInsert` computed; the caller knows the stored document. */
  private insertRow(p: PreparedInsert): void {
    const s = this.stmts(entityDef(p.type));
    let rid: number | bigint;
    try {
      rid = s.insert.run(p.id, 1, ...p.cols.map(bindable)).lastInsertRowid;
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new ConflictError(`${p.type} ${p.id} already exists`);
      throw e;
    }
    s.insertDoc.run(rid, p.json);
    this.insertLookups(s, rid, p.lookups);
    const [o, d] = p.mvScope;
    for (const [f, v] of p.mv) s.insertMv.run(f, sqlValue(v), o, d, p.id);
  }

  /** The lookup-table rows of a new row (`tokens` per lookup field, null for none). */
  private insertLookups(s: TypeStatements, rid: number | bigint, tokens: ReadonlyArray<string | null>): void {
    for (let i = 0; i < tokens.length; i++) if (tokens[i] !== null) s.lookupInsert[i]!.run(rid, tokens[i]);
  }

  private deleteLookups(s: TypeStatements, rid: number | bigint): void {
    for (const del of s.lookupDelete) del.run(rid);
  }

  /** Inserts a new document; the stored document is `{...newDoc, _version: 1}`. */
  insert(newDoc: NewDoc): Doc {
    const def = entityDef(newDoc._type);
    const s = this.stmts(def);
    const doc: Doc = { ...newDoc, _version: 1 };
    let rid: number | bigint;
    try {
      rid = s.insert.run(doc._id, 1, ...columnValues(def, doc)).lastInsertRowid;
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new ConflictError(`${doc._type} ${doc._id} already exists`);
      throw e;
    }
    s.insertDoc.run(rid, serializeDoc(doc));
    this.insertLookups(s, rid, lookupTokens(def, doc));
    this.writeMv(doc, true);
    return doc;
  }

  /** Replaces (or inserts) a document as given, with its own version. */
  private restoreDoc(doc: Doc): void {
    const def = entityDef(doc._type);
    this.delete(def.name, doc._id);
    const s = this.stmts(def);
    const rid = s.insert.run(doc._id, doc._version, ...columnValues(def, doc)).lastInsertRowid;
    s.insertDoc.run(rid, serializeDoc(doc));
    this.insertLookups(s, rid, lookupTokens(def, doc));
    this.writeMv(doc, true);
  }

  private update(type: string, id: string, patch: Patch, by: string, expectedVersion?: number, at?: number): Doc {
    const def = entityDef(type);
    const s = this.stmts(def);
    const row = s.selectForUpdate.get(id) as { rid: number; doc: string; v: number } | undefined;
    if (!row) throw new NotFoundError(`${type} ${id} not found`);
    if (expectedVersion !== undefined && row.v !== expectedVersion) throw new ConflictError(`${type} ${id} was modified concurrently`);
    const doc = toDoc(row);
    const tokensBefore = s.lookupInsert.length ? lookupTokens(def, doc) : undefined;
    for (const [k, v] of Object.entries(patch)) {
      if (k === '_id' || k === '_type' || k === '_version' || k === '_createdAt' || k === '_createdBy') continue;
      if (v === null || v === undefined) delete doc[k];
      else doc[k] = v;
    }
    doc._updatedAt = at ?? Date.now();
    doc._updatedBy = by;
    doc._version = row.v + 1;
    s.update.run(doc._version, ...columnValues(def, doc), row.rid);
    s.updateDoc.run(serializeDoc(doc), row.rid);
    if (tokensBefore) {
      const tokens = lookupTokens(def, doc);
      if (tokens.some((t, i) => t !== tokensBefore[i])) {
        this.deleteLookups(s, row.rid);
        this.insertLookups(s, row.rid, tokens);
      }
    }
    this.writeMv(doc);
    return doc;
  }

  private delete(type: string, id: string): boolean {
    const s = this.stmts(entityDef(type));
    const r = s.delete.get(id) as { rid: number } | undefined;
    if (r) {
      s.deleteDoc.run(r.rid);
      this.deleteLookups(s, r.rid);
    }
    s.deleteMv.run(id);
    return r !== undefined;
  }

  private claim(scope: string, key: string, owner: string): boolean {
    const existing = this.claimSelect.get(scope, key) as { owner: string } | undefined;
    if (existing) return existing.owner === owner;
    this.claimInsert.run(scope, key, owner);
    return true;
  }
}
