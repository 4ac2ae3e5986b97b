/**
 * Evaluates an IR expression against one document in memory. Used for aggregation filters
 * and as the reference semantics in tests. Traversals (`parent`, `child`) need the store and
 * are not supported here.
 */
import type { Expr, ExprKind, Scalar } from './ir.js';
import { ALL_ORGS, RESTRICTED_TO } from '../entities/registry.js';
import type { Doc } from '../storage/entity-store.js';

/** The values at `field` of `doc`: arrays are spread, custom fields resolved by name. */
export function fieldValues(doc: Doc, field: string): unknown[] {
  if (field.startsWith('customFields.')) {
    const name = field.slice('customFields.'.length);
    const cfs = doc.customFields;
    if (!Array.isArray(cfs)) return [];
    return (cfs as Array<{ name: string; value: unknown }>).filter((c) => c.name === name && c.value !== null && c.value !== undefined).map((c) => c.value);
  }
  let cur: unknown = doc;
  for (const k of field.split('.')) {
    if (typeof cur !== 'object' || cur === null) return [];
    cur = (cur as Record<string, unknown>)[k];
  }
  if (cur === undefined || cur === null) return [];
  return Array.isArray(cur) ? cur : [cur];
}

function norm(v: unknown): unknown {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function cmp(a: unknown, b: Scalar): number | undefined {
  const x = norm(a);
  const y = norm(b);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'number' && typeof y === 'string' && y.trim() !== '' && Number.isFinite(Number(y))) return x - Number(y);
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  return undefined;
}

export function evaluate(expr: Expr, doc: Doc): boolean {
  const visitors: { [K in ExprKind]: (e: Extract<Expr, { kind: K }>) => boolean } = {
    true: () => true,
    false: () => false,
    and: (e) => e.items.every((i) => evaluate(i, doc)),
    or: (e) => e.items.some((i) => evaluate(i, doc)),
    not: (e) => !evaluate(e.item, doc),
    compare: (e) => {
      const vals = fieldValues(doc, e.field);
      // null stands for "no value": `eq null` means the field is absent, `ne null` that it is set
      if (e.value === null) return e.op === 'eq' ? vals.length === 0 : e.op === 'ne' ? vals.length > 0 : false;
      if (e.op === 'ne') return !vals.some((v) => cmp(v, e.value) === 0);
      return vals.some((v) => {
        const c = cmp(v, e.value);
        if (c === undefined) return false;
        return e.op === 'eq' ? c === 0 : e.op === 'gt' ? c > 0 : e.op === 'gte' ? c >= 0 : e.op === 'lt' ? c < 0 : c <= 0;
      });
    },
    between: (e) =>
      fieldValues(doc, e.field).some((v) => {
        const a = cmp(v, e.from);
        const b = cmp(v, e.to);
        return a !== undefined && b !== undefined && a >= 0 && b < 0;
      }),
    in: (e) => fieldValues(doc, e.field).some((v) => e.values.some((x) => cmp(v, x) === 0)),
    like: (e) =>
      fieldValues(doc, e.field).some((v) => {
        const s = String(v).toLowerCase();
        const p = e.value.toLowerCase();
        return e.mode === 'contains' ? s.includes(p) : e.mode === 'startsWith' ? s.startsWith(p) : s.endsWith(p);
      }),
    match: (e) => {
      const words = e.value.toLowerCase().split(/\s+/).filter(Boolean);
      return fieldValues(doc, e.field).some((v) => words.every((w) => String(v).toLowerCase().includes(w)));
    },
    has: (e) => fieldValues(doc, e.field).length > 0,
    parentId: (e) => e.ids.includes(doc._parents?.[e.relation] ?? ''),
    parent: () => {
      throw new Error('parent traversal cannot be evaluated in memory');
    },
    child: () => {
      throw new Error('child traversal cannot be evaluated in memory');
    },
    visible: (e) => {
      if (!doc._orgs.some((o) => o === ALL_ORGS || e.orgIds.includes(o))) return false;
      const restricted = doc[RESTRICTED_TO];
      if (!e.principals || !Array.isArray(restricted)) return true;
      return restricted.some((r) => e.principals!.includes(String(r)));
    },
  };
  return (visitors[expr.kind] as (e: Expr) => boolean)(expr);
}
