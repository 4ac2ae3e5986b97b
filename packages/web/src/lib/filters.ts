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
