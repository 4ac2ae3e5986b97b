/**
 * Walking a case's data and rewriting its access fields (`_orgs`, `_sharePerms`,
 * `_restrictedTo`, see policy.ts). Used by sharing, owner change and access restriction:
 * each computes the new access of every document and writes it in one batch.
 */
import type { BatchOp, Doc, EntityStore } from '../storage/entity-store.js';
import { ENTITIES, RESTRICTED_TO } from '../entities/registry.js';
import { q } from '../query/ir.js';

/** Which sharing rule governs a document: the task or observable it belongs to, or none (case-wide). */
export interface Anchor {
  kind: 'task' | 'observable';
  id: string;
}

export interface CaseNode {
  doc: Doc;
  anchor?: Anchor;
}

/** Types never walked: alerts keep their own organisation, shares and audits are managed apart. */
const SKIP = new Set(['case', 'alert', 'share', 'audit']);
const CHUNK = 500;
const ALL_ROWS = 1_000_000;

function childTypes(relation: string): string[] {
  return [...ENTITIES.values()].filter((d) => !SKIP.has(d.name) && d.parents.includes(relation)).map((d) => d.name);
}

/** Every document under `root` (a case, task or observable), found through `_parents` links, with its anchor. */
export async function descendants(store: EntityStore, root: Doc): Promise<CaseNode[]> {
  const seen = new Map<string, Doc>([[root._id, root]]);
  const found: Doc[] = [];
  let frontier: Doc[] = [root];
  while (frontier.length) {
    const next: Doc[] = [];
    const byType = new Map<string, Doc[]>();
    for (const d of frontier) byType.set(d._type, [...(byType.get(d._type) ?? []), d]);
    for (const [type, docs] of byType) {
      for (const ct of childTypes(type)) {
        for (let i = 0; i < docs.length; i += CHUNK) {
          const ids = docs.slice(i, i + CHUNK).map((d) => d._id);
          const r = await store.query({ entity: ct, where: q.parentId(type, ...ids), sort: [], output: { kind: 'rows', from: 0, to: ALL_ROWS } });
          for (const d of r.kind === 'rows' ? r.rows : []) {
            if (seen.has(d._id)) continue;
            seen.set(d._id, d);
            next.push(d);
          }
        }
      }
    }
    found.push(...next);
    frontier = next;
  }
  const anchorOf = (d: Doc, depth = 0): Anchor | undefined => {
    if (d._type === 'task' || d._type === 'observable') return { kind: d._type, id: d._id };
    if (depth > 8) return undefined;
    if (d._parents.task) return { kind: 'task', id: d._parents.task };
    if (d._parents.observable) return { kind: 'observable', id: d._parents.observable };
    const log = d._parents.log ? seen.get(d._parents.log) : undefined;
    return log ? anchorOf(log, depth + 1) : undefined;
  };
  const rootAnchor = root._type === 'case' ? undefined : anchorOf(root);
  return found.map((doc) => {
    const anchor = anchorOf(doc) ?? rootAnchor;
    return anchor ? { doc, anchor } : { doc };
  });
}

/** The access part of a case (or of a document) after a change. */
export interface AccessState {
  _sharePerms?: Record<string, string[]>;
  _restrictedTo?: string[];
}

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === (b ?? [])[i]);

/**
 * Update ops that give each node its new `_orgs` (from `orgsFor`) and the access state of the
 * case. Nodes already in that state are skipped. `_updatedAt` moves, as for any change.
 */
export function accessOps(nodes: readonly CaseNode[], state: AccessState, orgsFor: (n: CaseNode) => string[], by: string): BatchOp[] {
  const ops: BatchOp[] = [];
  const perms = state._sharePerms && Object.keys(state._sharePerms).length ? state._sharePerms : undefined;
  for (const n of nodes) {
    const orgs = orgsFor(n);
    const d = n.doc;
    const restricted = Array.isArray(d[RESTRICTED_TO]) ? (d[RESTRICTED_TO] as string[]) : undefined;
    if (
      sameList(d._orgs, orgs) &&
      JSON.stringify(d._sharePerms ?? null) === JSON.stringify(perms ?? null) &&
      sameList(restricted, state._restrictedTo) &&
      (restricted === undefined) === (state._restrictedTo === undefined)
    ) {
      continue;
    }
    ops.push({ op: 'update', type: d._type, id: d._id, patch: { _orgs: orgs, _sharePerms: perms ?? null, [RESTRICTED_TO]: state._restrictedTo ?? null }, by });
  }
  return ops;
}

/** `orgs` with `owner` first and no duplicates. */
export function ownerFirst(owner: string, orgs: readonly string[]): string[] {
  const rest = [...new Set(orgs)].filter((o) => o !== owner);
  return orgs.includes(owner) ? [owner, ...rest] : rest;
}
