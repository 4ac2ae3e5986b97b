/**
 * Reference semantics for the conformance suites: `query/evaluate.ts` for every expression
 * kind it handles, plus the `parent` and `child` traversals resolved over an in-memory set of
 * documents, and a reference sort comparator.
 */
import type { Expr, SortKey } from '../../query/ir.js';
import { evaluate, fieldValues } from '../../query/evaluate.js';
import type { Doc } from '../entity-store.js';

/** The documents a reference evaluation may traverse, by type then id. */
export class World {
  private readonly byType = new Map<string, Map<string, Doc>>();
  private children?: Map<string, Doc[]>;

  add(doc: Doc): void {
    let m = this.byType.get(doc._type);
    if (!m) this.byType.set(doc._type, (m = new Map()));
    m.set(doc._id, doc);
    this.children = undefined;
  }

  /** The documents of `type` whose parent `relation` is `parentId`. */
  childrenOf(type: string, relation: string, parentId: string): Doc[] {
    if (!this.children) {
      this.children = new Map();
      for (const [t, docs] of this.byType) {
        for (const d of docs.values()) {
          for (const [rel, pid] of Object.entries(d._parents ?? {})) {
            const k = `${t}\0${rel}\0${pid}`;
            const list = this.children.get(k);
            if (list) list.push(d);
            else this.children.set(k, [d]);
          }
        }
      }
    }
    return this.children.get(`${type}\0${relation}\0${parentId}`) ?? [];
  }

  get(type: string, id: string): Doc | undefined {
    return this.byType.get(type)?.get(id);
  }

  all(type: string): Doc[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }
}

/** Whether `doc` matches `expr`, traversals included. */
export function refEval(expr: Expr, doc: Doc, world: World): boolean {
  switch (expr.kind) {
    case 'and':
      return expr.items.every((i) => refEval(i, doc, world));
    case 'or':
      return expr.items.some((i) => refEval(i, doc, world));
    case 'not':
      return !refEval(expr.item, doc, world);
    case 'parent': {
      const pid = doc._parents?.[expr.relation];
      const parent = pid === undefined ? undefined : world.get(expr.parentType, pid);
      return parent !== undefined && refEval(expr.where, parent, world);
    }
    case 'child':
      return world.childrenOf(expr.childType, expr.relation, doc._id).some((c) => refEval(expr.where, c, world));
    default:
      return evaluate(expr, doc);
  }
}

/** The ids of `type` documents matching `expr`, sorted. */
export function refIds(world: World, type: string, expr: Expr): string[] {
  return world
    .all(type)
    .filter((d) => refEval(expr, d, world))
    .map((d) => d._id)
    .sort();
}

function sortValue(doc: Doc, field: string): unknown {
  const v = fieldValues(doc, field)[0];
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

/** Compares two documents on `keys` only (ties compare 0); values must be present and of one type per field. */
export function compareOn(keys: readonly SortKey[], a: Doc, b: Doc): number {
  for (const k of keys) {
    const x = sortValue(a, k.field);
    const y = sortValue(b, k.field);
    let c = 0;
    if (typeof x === 'number' && typeof y === 'number') c = x - y;
    else {
      const sx = String(x);
      const sy = String(y);
      c = sx < sy ? -1 : sx > sy ? 1 : 0;
    }
    if (c !== 0) return k.dir === 'asc' ? c : -c;
  }
  return 0;
}
