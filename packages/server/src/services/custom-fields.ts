/**
 * Custom field values on cases, alerts and templates. Input may be a list
 * `[{name, value, order?}]` or a map `{name: value}`; values are checked against the
 * definitions (type, allowed options) and stored as `[{_id, name, type, value, order}]`.
 */
import type { Doc, EntityStore } from '../storage/entity-store.js';
import { AttributeCheckingError, BadRequestError } from '../errors/errors.js';
import { q } from '../query/ir.js';

export interface StoredCustomField {
  _id: string;
  name: string;
  type: string;
  value: unknown;
  order: number;
}

export type CustomFieldsInput = Array<{ name: string; value?: unknown; order?: number }> | Record<string, unknown>;

export async function customFieldDefinitions(store: EntityStore): Promise<Map<string, Doc>> {
  const r = await store.query({ entity: 'customField', where: q.true(), sort: [], output: { kind: 'rows', from: 0, to: 10000 } });
  return new Map((r.kind === 'rows' ? r.rows : []).map((d) => [String(d.name), d]));
}

function checkValue(def: Doc, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const name = String(def.name);
  const bad = (): never => {
    throw new AttributeCheckingError(`Custom field ${name} expects a ${String(def.type)}, got ${JSON.stringify(value)}`);
  };
  let v: unknown = value;
  switch (def.type) {
    case 'string':
    case 'url':
      if (typeof value !== 'string') bad();
      break;
    case 'integer':
      if (typeof value === 'string' && /^-?\d+$/.test(value)) v = Number(value);
      else if (typeof value !== 'number' || !Number.isInteger(value)) bad();
      break;
    case 'float':
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) v = Number(value);
      else if (typeof value !== 'number' || !Number.isFinite(value)) bad();
      break;
    case 'date':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad();
      break;
    case 'boolean':
      if (typeof value !== 'boolean') bad();
      break;
  }
  const options = def.options as unknown[] | undefined;
  if (Array.isArray(options) && options.length > 0 && !options.includes(v)) {
    throw new AttributeCheckingError(`Custom field ${name} must be one of ${JSON.stringify(options)}`);
  }
  return v;
}

/** Normalises and validates input against the definitions; `existing` keeps ids and order of fields already set. */
export function normaliseCustomFields(
  input: CustomFieldsInput | undefined,
  defs: Map<string, Doc>,
  newId: () => string,
  existing: StoredCustomField[] = [],
): StoredCustomField[] {
  if (input === undefined || input === null) return existing;
  const entries: Array<{ name: string; value: unknown; order?: number }> = Array.isArray(input)
    ? input.map((e) => {
        if (typeof e !== 'object' || e === null || typeof e.name !== 'string') throw new BadRequestError('Each custom field needs a "name"');
        return { name: e.name, value: e.value, ...(typeof e.order === 'number' ? { order: e.order } : {}) };
      })
    : Object.entries(input).map(([name, value]) => {
        // TheHive 4 shape {name: {type: value, order}} is accepted too
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          const o = value as Record<string, unknown>;
          const typed = Object.entries(o).find(([k]) => ['string', 'integer', 'float', 'boolean', 'date', 'url'].includes(k));
          return { name, value: typed ? typed[1] : null, ...(typeof o.order === 'number' ? { order: o.order } : {}) };
        }
        return { name, value };
      });
  const out = [...existing];
  entries.forEach((e, i) => {
    const def = defs.get(e.name);
    if (!def) throw new AttributeCheckingError(`Custom field ${e.name} is not defined`);
    const value = checkValue(def, e.value);
    const prev = out.findIndex((c) => c.name === e.name);
    const order = e.order ?? (prev >= 0 ? out[prev]!.order : existing.length + i);
    const entry: StoredCustomField = { _id: prev >= 0 ? out[prev]!._id : newId(), name: e.name, type: String(def.type), value, order };
    if (prev >= 0) out[prev] = entry;
    else out.push(entry);
  });
  return out;
}

/** Checks that every mandatory custom field has a value. */
export function checkMandatory(fields: StoredCustomField[], defs: Map<string, Doc>): void {
  const missing = [...defs.values()].filter((d) => d.mandatory === true && !fields.some((f) => f.name === d.name && f.value !== null && f.value !== undefined));
  if (missing.length) throw new AttributeCheckingError(`Mandatory custom fields are missing: ${missing.map((d) => String(d.name)).join(', ')}`);
}

export function renderCustomFields(fields: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(fields)) return [];
  return (fields as StoredCustomField[])
    .slice()
    .sort((a, b) => a.order - b.order)
    .map((f) => ({ _id: f._id, name: f.name, type: f.type, value: f.value ?? null, order: f.order }));
}
