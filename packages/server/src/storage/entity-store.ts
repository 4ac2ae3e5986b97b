/**
 * The EntityStore port: every persistent entity goes through it. Two backends implement it
 * (SQLite, and Cassandra + OpenSearch in `@waggle/server-cluster`), and one conformance suite
 * (`storage/conformance/entity-store.conformance.ts`) runs against both.
 *
 * Documents are plain JSON objects of a registered entity type (see `entities/registry.ts`).
 */
import type { Query, QueryResult } from '../query/ir.js';

/** The system fields every stored document has. */
export interface SystemFields {
  _id: string;
  /** Registered entity type name, e.g. `case`. */
  _type: string;
  _createdAt: number;
  _createdBy: string;
  _updatedAt?: number;
  _updatedBy?: string;
  /** Optimistic concurrency version, starts at 1 and grows by one at each update. */
  _version: number;
  /** Ids of the organisations that may see this document. */
  _orgs: string[];
  /** Parent ids by relation name (`case`, `task`, `alert`...), used for traversal. */
  _parents: Record<string, string>;
}

export type Doc = SystemFields & Record<string, unknown>;

/** A new document: the store fills `_version`; the caller chooses the id with `newId()`. */
export type NewDoc = Omit<SystemFields, '_version'> & Record<string, unknown>;

/** A change to a document: fields to set; a `null` value removes the field. */
export type Patch = Record<string, unknown>;

export type BatchOp =
  | { op: 'insert'; doc: NewDoc }
  | { op: 'update'; type: string; id: string; patch: Patch; expectedVersion?: number; by: string; at?: number }
  | { op: 'delete'; type: string; id: string }
  | { op: 'claim'; scope: string; key: string; owner: string }
  | { op: 'release'; scope: string; key: string };

/** A `claimUnique` key and its owner, as `scanClaims` lists them and `restoreClaims` writes them. */
export interface UniqueClaim {
  scope: string;
  key: string;
  owner: string;
}

/** A store's counters: every named sequence's last value, and the id floor `newId` stays above. */
export interface StoreCounters {
  sequences: Record<string, number>;
  /** Every id `newId` handed out (or may have) is below `~<nextId>`. */
  nextId: number;
}

/** One page of a scan; `cursor` is absent on the last page. */
export interface ScanPage<T> {
  items: T[];
  cursor?: string;
}

export interface EntityStore {
  /** Opens the store: creates or migrates its schema. Idempotent. */
  init(): Promise<void>;
  /** Flushes pending writes and releases resources. */
  close(): Promise<void>;

  /** A fresh unique id of TheHive's shape (`~123456`). Never reused, even after a crash. */
  newId(): string;

  /** The document, or `undefined` when it does not exist. Visibility is the caller's job. */
  get(type: string, id: string): Promise<Doc | undefined>;
  /** The documents that exist among `ids`, in the order of `ids` (missing ones skipped). */
  getMany(type: string, ids: readonly string[]): Promise<Doc[]>;

  /**
   * Inserts a document and resolves once it is durable. Throws ConflictError when the id exists.
   * @returns the stored document (with `_version: 1`).
   */
  insert(doc: NewDoc): Promise<Doc>;
  /**
   * Applies `patch` atomically (fields set, `null` removes, nested values replaced whole) and
   * bumps the version; `_id`, `_type`, `_version`, `_createdAt` and `_createdBy` in a patch are
   * ignored. Throws NotFoundError when missing and ConflictError when `expectedVersion` differs.
   */
  update(type: string, id: string, patch: Patch, by: string, expectedVersion?: number): Promise<Doc>;
  /** Deletes a document; resolves `false` when it did not exist. */
  delete(type: string, id: string): Promise<boolean>;

  /**
   * Runs every op atomically, all or none (within one backend), and resolves once durable.
   * A failing op (duplicate claim, version conflict, missing doc) rejects the whole batch.
   * @returns per op: the stored document for insert/update, `true`/`false` for delete, claim, release.
   */
  batch(ops: readonly BatchOp[]): Promise<Array<Doc | boolean>>;

  /**
   * Claims `key` in `scope` for `owner`. Resolves `true` when claimed, or when already owned
   * by the same owner; `false` when another owner holds it. Atomic under concurrency.
   */
  claimUnique(scope: string, key: string, owner: string): Promise<boolean>;
  /** The owner holding `key` in `scope`, if any. */
  uniqueOwner(scope: string, key: string): Promise<string | undefined>;
  /** Releases a claim. */
  releaseUnique(scope: string, key: string): Promise<void>;

  /** The next value of a named counter, starting at 1. Atomic and durable. */
  nextSequence(name: string): Promise<number>;

  /** Runs a query compiled from the IR: rows, a count or aggregations. */
  query(q: Query): Promise<QueryResult>;

  // ---- raw copy, for `waggle migrate-storage` only: services never call these ----

  /**
   * Up to `limit` documents of `type` in the store's own stable order (not sorted by any field),
   * from `cursor` (an opaque string from the previous page; `undefined` for the first page).
   * A page may hold fewer than `limit` documents before the last one.
   */
  scan(type: string, cursor: string | undefined, limit: number): Promise<ScanPage<Doc>>;
  /**
   * Writes documents exactly as given (ids, `_version`, dates, `_orgs`, `_parents`), replacing any
   * document of the same type and id; no version, uniqueness or audit checks. Idempotent. Like
   * every write, queries see them once it resolves.
   */
  restore(docs: readonly Doc[]): Promise<void>;
  /** Up to `limit` uniqueness claims from `cursor`, as `scan` pages documents. */
  scanClaims(cursor: string | undefined, limit: number): Promise<ScanPage<UniqueClaim>>;
  /** Writes claims exactly as given, replacing the owner of an existing key. Idempotent. */
  restoreClaims(claims: readonly UniqueClaim[]): Promise<void>;
  /** The store's sequences and id floor. */
  counters(): Promise<StoreCounters>;
  /** Raises each sequence and the id floor to at least the given values (never lowers them). */
  restoreCounters(counters: StoreCounters): Promise<void>;
}
