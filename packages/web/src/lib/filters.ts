/** Builders for Query API filter expressions (TheHive's JSON shapes). */
export type Filter = Record<string, unknown>;

export const f = {
  eq: (field: string, value: unknown): Filter => ({ _eq: { _field: field, _value: value } }),
  ne: (field: string, value: unknown): Filter => ({ _ne: { _field: field, _value: value } }),
  in: (field: string, values: unknown[]): Filter => ({ _in: { _field: field, _values: values } }),
  like: (field: string, value: string): Filter => ({ _like: { _field: field, _value: value } }),
  contains: (field: string, text: string): Filter => ({ _like: { _field: field, _value: `*${text.replace(/\*/g, '')}*` } }),
  has: (field: string): Filter => ({ _has: field }),
  not: (e: Filter): Filter => ({ _not: e }),
  or: (...es: Filter[]): Filter => ({ _or: es }),
  and: (...es: Filter[]): Filter => ({ _and: es }),
};

/** A `filter` step, or nothing when there is no condition. */
export function filterStep(conds: Filter[]): unknown[] {
  if (conds.length === 0) return [];
  return [{ _name: 'filter', ...(conds.length === 1 ? conds[0] : f.and(...conds)) }];
}

export function sortStep(field: string, dir: 'asc' | 'desc'): unknown {
  return { _name: 'sort', _fields: [{ [field]: dir }] };
}

/** At most this many extra conditions are taken from a URL. */
const MAX_WHERE = 20;

/**
 * The extra conditions a list's URL may carry in `where`: a JSON array of Query API conditions
 * that all must hold (a dashboard click-through puts the widget's period, time bucket and other
 * conditions there). Not a JSON array of objects: no conditions, and an `error` to show. The
 * server validates the conditions themselves and answers a 400 for a bad one.
 */
export function whereOf(p: URLSearchParams): { conds: Filter[]; error?: string } {
  const raw = p.get('where');
  if (!raw) return { conds: [] };
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v) && v.length <= MAX_WHERE && v.every((c) => typeof c === 'object' && c !== null && !Array.isArray(c))) return { conds: v as Filter[] };
  } catch {
    // reported below
  }
  return { conds: [], error: `The link's extra conditions are not a JSON array of at most ${MAX_WHERE} conditions; they are ignored.` };
}
