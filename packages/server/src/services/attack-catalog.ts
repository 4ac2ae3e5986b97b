/**
 * The MITRE ATT&CK Enterprise catalog (`packages/server/data/attack/`, see its SOURCE.md for
 * the licence and attribution). It is read once, loaded into the `pattern` entity at start-up
 * (idempotent: missing techniques are inserted, changed ones updated) and kept in memory for
 * procedure names and tactic labels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import { ALL_ORGS } from '../entities/registry.js';
import { q } from '../query/ir.js';

export interface AttackTechnique {
  id: string;
  name: string;
  tactics: string[];
  isSubtechnique: boolean;
  parentId: string | null;
  deprecated: boolean;
  revoked: boolean;
  url: string;
  description: string;
}

export interface AttackTactic {
  id: string;
  name: string;
  shortname: string;
}

export interface AttackCatalog {
  techniques: ReadonlyMap<string, AttackTechnique>;
  /** By shortname (`execution`), in matrix order. */
  tactics: ReadonlyMap<string, AttackTactic>;
}

const TECHNIQUES = 'enterprise-attack-techniques.json';
const SYSTEM = 'system@thehive.local';

/** The `data/attack` folder: next to `src/` when run from source, next to `dist/` when bundled. */
function catalogDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'data', 'attack');
    if (existsSync(join(candidate, TECHNIQUES))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`The ATT&CK catalog (data/attack/${TECHNIQUES}) was not found`);
}

let cached: AttackCatalog | undefined;

/** The catalog, read from disk on first use. Throws when the data files are missing. */
export function attackCatalog(): AttackCatalog {
  if (cached) return cached;
  const dir = catalogDir();
  const techniques = JSON.parse(readFileSync(join(dir, TECHNIQUES), 'utf8')) as AttackTechnique[];
  const tactics = JSON.parse(readFileSync(join(dir, 'tactics.json'), 'utf8')) as AttackTactic[];
  cached = {
    techniques: new Map(techniques.map((t) => [t.id, t])),
    tactics: new Map(tactics.map((t) => [t.shortname, t])),
  };
  return cached;
}

function patternFields(t: AttackTechnique): Record<string, unknown> {
  return {
    patternId: t.id,
    name: t.name,
    description: t.description,
    tactics: t.tactics,
    url: t.url,
    patternType: 'attack-pattern',
    platforms: [],
    dataSources: [],
    revoked: t.revoked,
    deprecated: t.deprecated,
    isSubtechnique: t.isSubtechnique,
    ...(t.parentId ? { parentId: t.parentId } : {}),
  };
}

function differs(doc: Doc, fields: Record<string, unknown>): boolean {
  return Object.entries(fields).some(([k, v]) => JSON.stringify(doc[k]) !== JSON.stringify(v));
}

/**
 * Loads the catalog into the `pattern` entity, visible to every organisation. Idempotent;
 * safe when several nodes start at once (each pattern id is claimed in `pattern.patternId`).
 * @returns how many patterns were inserted and updated.
 */
export async function loadAttackCatalog(store: EntityStore, catalog: AttackCatalog = attackCatalog()): Promise<{ inserted: number; updated: number }> {
  const r = await store.query({ entity: 'pattern', where: q.true(), sort: [], output: { kind: 'rows', from: 0, to: 100_000 } });
  const existing = new Map((r.kind === 'rows' ? r.rows : []).map((d) => [String(d.patternId), d]));
  const now = Date.now();
  const inserts: NewDoc[] = [];
  const updates: BatchOp[] = [];
  for (const t of catalog.techniques.values()) {
    const fields = patternFields(t);
    const doc = existing.get(t.id);
    if (!doc) {
      inserts.push({ _id: store.newId(), _type: 'pattern', _createdAt: now, _createdBy: SYSTEM, _orgs: [ALL_ORGS], _parents: {}, ...fields });
    } else if (differs(doc, fields)) {
      updates.push({ op: 'update', type: 'pattern', id: doc._id, patch: fields, by: SYSTEM });
    }
  }
  const claimAndInsert = (d: NewDoc): BatchOp[] => [
    { op: 'claim', scope: 'pattern.patternId', key: String(d.patternId), owner: d._id },
    { op: 'insert', doc: d },
  ];
  try {
    await store.batch([...inserts.flatMap(claimAndInsert), ...updates]);
  } catch {
    // Another node loaded some of them concurrently: fall back to one pattern at a time.
    for (const d of inserts) {
      if (await store.claimUnique('pattern.patternId', String(d.patternId), d._id)) await store.insert(d);
    }
    if (updates.length) await store.batch(updates);
  }
  return { inserted: inserts.length, updated: updates.length };
}
