/** Validation of an organisation's worker configuration against the definition's items. */
import { AttributeCheckingError } from '../errors/errors.js';
import type { ConfigurationItem, WorkerDefinition } from './catalog.js';

/** Items every worker accepts besides its own (Cortex `global`, TLP and PAP base configs). */
export function globalItems(def: WorkerDefinition): ConfigurationItem[] {
  const item = (name: string, type: ConfigurationItem['type']): ConfigurationItem => ({ name, description: '', type, multi: false, required: false });
  const items = [
    item('proxy_http', 'string'),
    item('proxy_https', 'string'),
    item('cacerts', 'text'),
    item('jobTimeout', 'number'),
    item('check_tlp', 'boolean'),
    item('max_tlp', 'number'),
    item('check_pap', 'boolean'),
    item('max_pap', 'number'),
  ];
  if (def.type === 'analyzer') items.push(item('auto_extract_artifacts', 'boolean'), item('jobCache', 'number'));
  return items;
}

function typeOk(item: ConfigurationItem, v: unknown): boolean {
  switch (item.type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
    case 'text':
      return typeof v === 'string';
  }
}

/**
 * The stored configuration: every known item (unset optional -> default or null, unset multi ->
 * default or []); unknown keys, missing required items and wrong types are refused at once.
 */
export function validateConfiguration(def: WorkerDefinition, raw: unknown): Record<string, unknown> {
  const input = raw === undefined || raw === null ? {} : raw;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new AttributeCheckingError('configuration must be an object', {
      tableName: 'worker',
      errors: [{ type: 'InvalidFormatAttributeError', name: 'configuration', value: raw }],
    });
  }
  const values = input as Record<string, unknown>;
  const items = [...def.configurationItems, ...globalItems(def).filter((g) => !def.configurationItems.some((i) => i.name === g.name))];
  const errors: Array<Record<string, unknown>> = [];
  for (const k of Object.keys(values)) {
    if (!items.some((i) => i.name === k)) errors.push({ type: 'UnknownAttributeError', name: `configuration.${k}`, value: values[k] });
  }
  const out: Record<string, unknown> = {};
  for (const item of items) {
    let v = values[item.name];
    if (v === undefined || v === null) v = item.defaultValue;
    if (item.multi) {
      const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
      if (list.some((x) => !typeOk(item, x))) errors.push({ type: 'InvalidFormatAttributeError', name: `configuration.${item.name}`, value: v });
      if (item.required && list.length === 0) errors.push({ type: 'MissingAttributeError', name: `configuration.${item.name}` });
      out[item.name] = list;
    } else {
      if (v === undefined || v === null) {
        if (item.required) errors.push({ type: 'MissingAttributeError', name: `configuration.${item.name}` });
        out[item.name] = null;
      } else {
        if (!typeOk(item, v)) errors.push({ type: 'InvalidFormatAttributeError', name: `configuration.${item.name}`, value: v });
        out[item.name] = v;
      }
    }
  }
  if (errors.length) {
    throw new AttributeCheckingError(`Invalid configuration of ${def.name}: ${errors.map((e) => `${String(e.type)} ${String(e.name)}`).join(', ')}`, {
      tableName: 'worker',
      errors,
    });
  }
  return out;
}

/** The run-time config: definition `config`, overlaid by the organisation's non-null values, plus `proxy`. */
export function runtimeConfig(def: WorkerDefinition, configuration: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...def.config };
  for (const [k, v] of Object.entries(configuration)) if (v !== null && !(Array.isArray(v) && v.length === 0 && k in def.config)) out[k] = v;
  out.proxy = { http: configuration.proxy_http ?? null, https: configuration.proxy_https ?? null };
  return out;
}
