/**
 * Cortex's search DSL (`query` of `_search` bodies) and list parameters, translated into the
 * query IR. Field names are mapped to stored fields (`analyzerId` -> `workerId`, `createdAt`
 * -> `_createdAt`...). Unsupported operators are a BadRequest, never a silent match-all.
 */
import { BadRequestError } from '../errors/errors.js';
import { q, type Expr, type Scalar, type SortKey } from '../query/ir.js';

const FIELD_MAP: Record<string, string> = {
  analyzerId: 'workerId',
  responderId: 'workerId',
  analyzerName: 'workerName',
  responderName: 'workerName',
  analyzerDefinitionId: 'workerDefinitionId',
  responderDefinitionId: 'workerDefinitionId',
  createdAt: '_createdAt',
  createdBy: '_createdBy',
  updatedAt: '_updatedAt',
  date: '_createdAt',
  id: '_id',
  type: 'workerType',
};

export function storedField(f: string): string {
  return FIELD_MAP[f] ?? f;
}

function scalar(v: unknown): Scalar {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new BadRequestError(`Invalid value in query: ${JSON.stringify(v)}`);
}

/** Translates a Cortex query object into an IR expression. */
export function cortexQuery(raw: unknown, depth = 0): Expr {
  if (depth > 32) throw new BadRequestError('Query too deep');
  if (raw === undefined || raw === null) return q.true();
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError('A query must be an object');
  const o = raw as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 0 || '_any' in o) return q.true();
  if ('_and' in o) return q.and(...asList(o._and).map((x) => cortexQuery(x, depth + 1)));
  if ('_or' in o) return q.or(...asList(o._or).map((x) => cortexQuery(x, depth + 1)));
  if ('_not' in o) return q.not(cortexQuery(o._not, depth + 1));
  if ('_field' in o) return q.eq(storedField(String(o._field)), scalar(o._value));
  if ('_id' in o) return q.eq('_id', scalar(o._id));
  for (const op of ['_gt', '_gte', '_lt', '_lte'] as const) {
    if (op in o) {
      const [[f, v]] = Object.entries(o[op] as Record<string, unknown>) as [[string, unknown]];
      return { kind: 'compare', op: op.slice(1) as 'gt', field: storedField(f), value: scalar(v) };
    }
  }
  if ('_between' in o) {
    const b = o._between as Record<string, unknown>;
    const f = storedField(String(b._field));
    return q.and({ kind: 'compare', op: 'gt', field: f, value: scalar(b._from) }, { kind: 'compare', op: 'lt', field: f, value: scalar(b._to) });
  }
  if ('_in' in o) {
    const i = o._in as Record<string, unknown>;
    return q.in(storedField(String(i._field)), asList(i._values).map(scalar));
  }
  if ('_contains' in o) return { kind: 'has', field: storedField(String(o._contains)) };
  if ('_like' in o || '_wildcard' in o) {
    const l = (o._like ?? o._wildcard) as Record<string, unknown>;
    const value = String(l._value ?? '').replace(/\*/g, '');
    return { kind: 'like', field: storedField(String(l._field)), mode: 'contains', value, ci: true };
  }
  if (keys.some((k) => k.startsWith('_'))) throw new BadRequestError(`Unsupported query operator ${keys.find((k) => k.startsWith('_'))}`);
  return q.and(...keys.map((k) => q.eq(storedField(k), scalar(o[k]))));
}

function asList(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new BadRequestError('Expected a list in query');
  return v;
}

/** Cortex `range`: absent -> first 10; `all`; `a-b` -> offset a, limit b - a. */
export function parseRange(range: unknown, max = 100_000): { from: number; to: number } {
  if (range === undefined || range === null || range === '') return { from: 0, to: 10 };
  const s = String(range);
  if (s === 'all') return { from: 0, to: max };
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (!m) throw new BadRequestError(`Invalid range ${s}`);
  const from = Number(m[1]);
  const to = Math.min(Number(m[2]), from + max);
  return { from, to: Math.max(from, to) };
}

/** Cortex `sort`: `+field`, `-field` or `field`, one or many. */
export function parseSort(sort: unknown, def: SortKey[]): SortKey[] {
  if (sort === undefined || sort === null || sort === '') return def;
  const list = Array.isArray(sort) ? sort.map(String) : [String(sort)];
  return list.map((s) => (s.startsWith('-') ? { field: storedField(s.slice(1)), dir: 'desc' } : { field: storedField(s.replace(/^\+/, '')), dir: 'asc' }));
}
