/**
 * Parses TheHive's Query API body (`{query: [ {_name, ...}, ... ], excludeFields?}`) into a
 * list of typed steps, and filter objects into IR expressions. Entity semantics (which source
 * gives which entity, traversals, visibility) are applied by `services/query.service.ts`.
 */
import type { Expr, Scalar, SortKey } from './ir.js';
import { q } from './ir.js';
import { BadRequestError } from '../errors/errors.js';
import { parseTheHiveAgg, type TheHiveAgg } from './thehive-aggs.js';

export type Step =
  | { kind: 'source'; name: string; idOrName?: string }
  | { kind: 'traverse'; name: string }
  | { kind: 'filter'; expr: Expr }
  | { kind: 'sort'; keys: SortKey[] }
  | { kind: 'page'; from: number; to: number; extraData: string[] }
  | { kind: 'count' }
  /** TheHive 4's aggregation step (see thehive-aggs.ts); ends the chain. */
  | { kind: 'aggregation'; agg: TheHiveAgg };

export interface ParsedQuery {
  steps: Step[];
  excludeFields: string[];
}

export interface ParseLimits {
  maxDepth: number;
  maxPageSize: number;
}

const bad = (msg: string): never => {
  throw new BadRequestError(msg);
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalar(v: unknown, what: string): Scalar {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return bad(`${what} must be a string, number, boolean or null`);
}

function fieldName(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) return bad(`${what} must be a non-empty field name`);
  return v;
}

/** Filter operators the parser knows, for error messages. */
export const FILTER_OPERATORS = [
  '_and',
  '_or',
  '_not',
  '_any',
  '_eq',
  '_is',
  '_ne',
  '_gt',
  '_gte',
  '_lt',
  '_lte',
  '_between',
  '_in',
  '_startsWith',
  '_endsWith',
  '_like',
  '_wildcard',
  '_match',
  '_has',
  '_contains',
  '_id',
  '_field',
  '_string',
  '_parent',
  '_child',
] as const;

/** Parses one filter object into an expression. */
export function parseFilter(input: unknown, limits: ParseLimits, depth = 0): Expr {
  if (depth > limits.maxDepth) bad(`Filter is nested deeper than ${limits.maxDepth} levels`);
  if (!isObj(input)) return bad('A filter must be a JSON object');
  const keys = Object.keys(input).filter((k) => k !== '_name');
  // legacy bare equality {"_field": f, "_value": v}
  if (keys.includes('_field') && keys.includes('_value') && keys.length === 2) {
    return q.eq(fieldName(input._field, '_field'), scalar(input._value, '_value'));
  }
  if (keys.length !== 1) return bad(`A filter must have exactly one operator, found ${keys.length ? keys.join(', ') : 'none'}`);
  const op = keys[0]!;
  const arg = input[op];
  const sub = (x: unknown): Expr => parseFilter(x, limits, depth + 1);
  const fieldValue = (): { field: string; value: Scalar } => {
    if (!isObj(arg)) return bad(`${op} takes {"_field": ..., "_value": ...}`);
    if ('_field' in arg) return { field: fieldName(arg._field, `${op}._field`), value: scalar(arg._value, `${op}._value`) };
    // legacy shape {"_gt": {"field": value}}
    const ks = Object.keys(arg);
    if (ks.length !== 1) return bad(`${op} takes {"_field": ..., "_value": ...}`);
    return { field: fieldName(ks[0], `${op} field`), value: scalar(arg[ks[0]!], `${op} value`) };
  };
  const stringValue = (): { field: string; value: string } => {
    const fv = fieldValue();
    if (typeof fv.value !== 'string') return bad(`${op}._value must be a string`);
    return { field: fv.field, value: fv.value };
  };
  switch (op) {
    case '_and':
    case '_or': {
      if (!Array.isArray(arg)) return bad(`${op} takes a list of filters`);
      if (arg.length > 1000) return bad(`${op} takes at most 1000 filters`);
      const items = arg.map(sub);
      return op === '_and' ? q.and(...items) : items.length === 0 ? q.true() : q.or(...items);
    }
    case '_not':
      return { kind: 'not', item: sub(arg) };
    case '_any':
      return q.true();
    case '_eq':
    case '_is': {
      const { field, value } = fieldValue();
      return q.eq(field, value);
    }
    case '_ne':
    case '_gt':
    case '_gte':
    case '_lt':
    case '_lte': {
      const { field, value } = fieldValue();
      return { kind: 'compare', op: op.slice(1) as 'ne' | 'gt' | 'gte' | 'lt' | 'lte', field, value };
    }
    case '_between': {
      if (!isObj(arg)) return bad('_between takes {"_field", "_from", "_to"}');
      return {
        kind: 'between',
        field: fieldName(arg._field, '_between._field'),
        from: scalar(arg._from, '_between._from'),
        to: scalar(arg._to, '_between._to'),
      };
    }
    case '_in': {
      if (!isObj(arg) || !Array.isArray(arg._values)) return bad('_in takes {"_field", "_values": [...]}');
      if (arg._values.length > 10000) return bad('_in takes at most 10000 values');
      return q.in(
        fieldName(arg._field, '_in._field'),
        arg._values.map((v) => scalar(v, '_in._values[]')),
      );
    }
    case '_startsWith':
    case '_endsWith': {
      const { field, value } = stringValue();
      return { kind: 'like', field, mode: op === '_startsWith' ? 'startsWith' : 'endsWith', value, ci: false };
    }
    case '_like':
    case '_wildcard': {
      const { field, value } = stringValue();
      const starts = value.startsWith('*');
      const ends = value.endsWith('*') && value.length > 1;
      const core = value.slice(starts ? 1 : 0, ends ? -1 : undefined);
      if (core.includes('*')) {
        // inner wildcards: split on them and require each piece in order (approximated as contains-all)
        return q.and(
          ...core
            .split('*')
            .filter(Boolean)
            .map((part): Expr => ({ kind: 'like', field, mode: 'contains', value: part, ci: true })),
        );
      }
      if (starts && ends) return { kind: 'like', field, mode: 'contains', value: core, ci: true };
      if (starts) return { kind: 'like', field, mode: 'endsWith', value: core, ci: true };
      if (ends) return { kind: 'like', field, mode: 'startsWith', value: core, ci: true };
      return q.eq(field, value);
    }
    case '_match': {
      const { field, value } = stringValue();
      return { kind: 'match', field, value };
    }
    case '_has':
    case '_contains': {
      const field = isObj(arg) && '_field' in arg ? arg._field : arg;
      return { kind: 'has', field: fieldName(field, op) };
    }
    case '_id': {
      if (typeof arg !== 'string') return bad('_id takes an id string');
      return q.eq('_id', arg);
    }
    case '_string':
      // TheHive 4 ignored Lucene query strings; so do we.
      return q.true();
    default:
      return bad(`Unknown filter operator "${op}". Known operators: ${FILTER_OPERATORS.join(', ')}`);
  }
}

function parseSort(step: Record<string, unknown>): SortKey[] {
  const fields = step._fields;
  if (!Array.isArray(fields)) return bad('sort takes "_fields": [{"field": "asc"|"desc"}, ...]');
  if (fields.length > 10) return bad('sort takes at most 10 fields');
  return fields.map((f) => {
    if (!isObj(f) || Object.keys(f).length !== 1) return bad('Each sort entry must be {"field": "asc"|"desc"}');
    const [field, dir] = Object.entries(f)[0]!;
    if (dir !== 'asc' && dir !== 'desc') return bad(`Sort direction for "${field}" must be "asc" or "desc"`);
    return { field: fieldName(field, 'sort field'), dir };
  });
}

function int(v: unknown, what: string): number {
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return bad(`${what} must be a non-negative integer`);
  return v;
}

/** Parses a whole Query API body. */
export function parseQueryBody(body: unknown, limits: ParseLimits): ParsedQuery {
  if (!isObj(body)) return bad('The query body must be a JSON object with a "query" list');
  const query = body.query;
  if (!Array.isArray(query) || query.length === 0) return bad('"query" must be a non-empty list of operations');
  if (query.length > 50) return bad('"query" holds at most 50 operations');
  let excludeFields: string[] = [];
  if (body.excludeFields !== undefined && body.excludeFields !== null) {
    if (!Array.isArray(body.excludeFields) || !body.excludeFields.every((f) => typeof f === 'string')) return bad('"excludeFields" must be a list of strings');
    excludeFields = body.excludeFields;
  }
  const steps = query.map((raw, i): Step => {
    if (!isObj(raw)) return bad(`Operation ${i} must be an object`);
    const name = raw._name;
    if (typeof name !== 'string') return bad(`Operation ${i} has no "_name"`);
    switch (name) {
      case 'filter': {
        const { _name: _n, ...rest } = raw;
        void _n;
        return { kind: 'filter', expr: parseFilter(rest, limits) };
      }
      case 'sort':
        return { kind: 'sort', keys: parseSort(raw) };
      case 'page': {
        const from = int(raw.from ?? 0, 'page.from');
        const to = int(raw.to ?? from + 10, 'page.to');
        if (to < from) bad('page.to must not be lower than page.from');
        if (to - from > limits.maxPageSize) bad(`A page holds at most ${limits.maxPageSize} entities`);
        const extra = raw.extraData ?? [];
        if (!Array.isArray(extra) || !extra.every((e) => typeof e === 'string')) bad('page.extraData must be a list of strings');
        return { kind: 'page', from, to, extraData: extra as string[] };
      }
      case 'count':
        return { kind: 'count' };
      case 'aggregation':
        return { kind: 'aggregation', agg: parseTheHiveAgg(raw, (f) => parseFilter(f, limits)) };
      default:
        if (/^(list|get)[A-Z]/.test(name)) {
          const idOrName = raw.idOrName ?? raw.id;
          if (idOrName !== undefined && typeof idOrName !== 'string' && typeof idOrName !== 'number') bad(`${name}.idOrName must be a string`);
          if (name.startsWith('get') && idOrName === undefined) bad(`${name} needs "idOrName"`);
          return { kind: 'source', name, ...(idOrName !== undefined ? { idOrName: String(idOrName) } : {}) };
        }
        if (!/^[a-zA-Z]{1,40}$/.test(name)) bad(`Unknown operation "${String(name).slice(0, 40)}"`);
        return { kind: 'traverse', name };
    }
  });
  return { steps, excludeFields };
}
