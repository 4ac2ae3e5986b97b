/**
 * SQLite schema generated from the entity registry. Per entity type:
 * - `e_<type>`: `_id`, `_version`, `doc` (JSON), plus a VIRTUAL generated column and an index
 *   per indexed field (`f_<field>`) and per parent relation (`p_<relation>`);
 * - `m_<type>`: multi-valued values (tags, `_orgs`, custom field values) as (f, v, id) rows.
 * Adding a field to the registry adds its column and index at the next start.
 */
import type { EntityDef } from '../../entities/registry.js';
import { SYSTEM_FIELDS } from '../../entities/registry.js';

export const table = (type: string): string => `"e_${type}"`;
export const mvTable = (type: string): string => `"m_${type}"`;
export const fieldColumn = (field: string): string => `"f_${field}"`;
export const parentColumn = (rel: string): string => `"p_${rel}"`;

/** A JSON path literal for json_extract, quoting every segment. */
export function jsonPath(field: string): string {
  const segs = field.split('.');
  return `'$${segs.map((s) => `."${s.replace(/'/g, "''").replace(/"/g, '')}"`).join('')}'`;
}

/** Field names that the registry declares as indexed columns (system and entity). */
export function indexedFields(def: EntityDef): string[] {
  const sys = Object.entries(SYSTEM_FIELDS)
    .filter(([n, f]) => f.indexed && n !== '_id')
    .map(([n]) => n);
  const own = Object.entries(def.fields)
    .filter(([, f]) => f.indexed && f.type !== 'string[]' && f.type !== 'customFields')
    .map(([n]) => n);
  return [...sys, ...own];
}

/** Fields stored in the multi-valued side table. */
export function multiValuedFields(def: EntityDef): string[] {
  return Object.entries(def.fields)
    .filter(([, f]) => f.type === 'string[]')
    .map(([n]) => n);
}

/** The declared type of the side tables' `v` column: none (BLOB affinity). Tables with another one are rebuilt at start. */
export const MV_VALUE_UNTYPED = '';

export interface ColumnInfo {
  name: string;
}

/** DDL statements to bring the tables of `def` up to date, given the existing columns. */
export function migrationFor(def: EntityDef, existing: ReadonlySet<string> | undefined): string[] {
  const stmts: string[] = [];
  const t = table(def.name);
  if (!existing) {
    stmts.push(`CREATE TABLE ${t} (_id TEXT PRIMARY KEY NOT NULL, _version INTEGER NOT NULL, doc TEXT NOT NULL)`);
    // `v` has no declared type (BLOB affinity): values keep their type, so the tag "007" stays text
    // and never equals "7" (a declared type such as ANY gives NUMERIC affinity, which converts it)
    stmts.push(`CREATE TABLE ${mvTable(def.name)} (f TEXT NOT NULL, v, id TEXT NOT NULL, PRIMARY KEY (f, v, id)) WITHOUT ROWID`);
    stmts.push(`CREATE INDEX "i_m_${def.name}_id" ON ${mvTable(def.name)} (id)`);
  }
  const have = existing ?? new Set<string>();
  for (const f of indexedFields(def)) {
    const col = `f_${f}`;
    if (have.has(col)) continue;
    stmts.push(`ALTER TABLE ${t} ADD COLUMN ${fieldColumn(f)} GENERATED ALWAYS AS (json_extract(doc, ${jsonPath(f)})) VIRTUAL`);
    stmts.push(`CREATE INDEX IF NOT EXISTS "i_${def.name}_${f}" ON ${t} (${fieldColumn(f)})`);
  }
  for (const rel of def.parents) {
    const col = `p_${rel}`;
    if (have.has(col)) continue;
    stmts.push(`ALTER TABLE ${t} ADD COLUMN ${parentColumn(rel)} GENERATED ALWAYS AS (json_extract(doc, '$._parents.${rel}')) VIRTUAL`);
    stmts.push(`CREATE INDEX IF NOT EXISTS "i_${def.name}_p_${rel}" ON ${t} (${parentColumn(rel)})`);
  }
  return stmts;
}
