/**
 * The Cassandra schema and its versioned migrations. Every table is partitioned by `ns`, the
 * store namespace (`default` in production; tests give each store a fresh one so that one keyspace
 * serves many independent stores without creating tables per test).
 *
 * - `e_<type>`: one table per entity type, keyed by (ns, id): the document as JSON text and its version;
 * - `uniques`: `claimUnique` keys (LWT insert-if-not-exists);
 * - `sequences`: named counters (LWT compare-and-set loop); `id_blocks`: reserved id ranges for `newId`;
 * - `outbox`: documents whose index write failed, drained by `repairIndex()`;
 * - `children`: (parent id) -> the ids of the documents whose `_parents` name it, per type, so that
 *   an entity's children are read from Cassandra while OpenSearch is down (a superset: readers
 *   check each document's `_parents`; rows are written before the document and removed after it);
 * - `migrations`: the applied schema versions.
 */
import type { EntityDef } from '@waggle/server/src/entities/registry.js';

/** The table of an entity type (Cassandra folds unquoted names to lower case). */
export const entityTable = (type: string): string => `e_${type.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;

export const quoteIdent = (name: string): string => {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(name)) throw new Error(`invalid Cassandra identifier "${name}"`);
  return name;
};

export interface Migration {
  version: number;
  name: string;
  statements: (entities: readonly EntityDef[]) => string[];
  /** Data written after the statements, before the version is recorded (idempotent). */
  backfill?: 'children';
}

/** Applied in order; a new schema change is a new entry, never an edit of an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'entity tables, uniques, sequences, id blocks, outbox',
    statements: (entities) => [
      ...entities.map((e) => `CREATE TABLE IF NOT EXISTS ${entityTable(e.name)} (ns text, id text, doc text, version int, PRIMARY KEY ((ns, id)))`),
      'CREATE TABLE IF NOT EXISTS uniques (ns text, scope text, key text, owner text, PRIMARY KEY ((ns, scope, key)))',
      'CREATE TABLE IF NOT EXISTS sequences (ns text, name text, value bigint, PRIMARY KEY ((ns, name)))',
      'CREATE TABLE IF NOT EXISTS id_blocks (ns text, next bigint, PRIMARY KEY (ns))',
      'CREATE TABLE IF NOT EXISTS outbox (ns text, type text, id text, at timestamp, PRIMARY KEY ((ns), type, id))',
    ],
  },
  {
    version: 2,
    name: 'children relation (reads of children without OpenSearch)',
    statements: () => ['CREATE TABLE IF NOT EXISTS children (ns text, parent text, type text, id text, PRIMARY KEY ((ns, parent), type, id))'],
    backfill: 'children',
  },
];

/** Entity types added to the registry after a migration ran get their table at the next start. */
export function entityTableStatements(entities: readonly EntityDef[]): string[] {
  return MIGRATIONS[0]!.statements(entities).slice(0, entities.length);
}
