/**
 * The worker catalog: analyzer and responder definitions (Cortex-Analyzers JSON format) read
 * from configured folders (`<folder>/<Analyzer>/<Flavor>.json`, or JSON files directly).
 * Invalid files are skipped; a definition's `command` must resolve inside its folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

export type WorkerType = 'analyzer' | 'responder';

export interface ConfigurationItem {
  name: string;
  description: string;
  type: 'string' | 'text' | 'number' | 'boolean';
  multi: boolean;
  required: boolean;
  defaultValue?: unknown;
}

export interface WorkerDefinition {
  /** `name_version` with dots replaced by `_`, e.g. `Abuse_Finder_3_0`. */
  id: string;
  name: string;
  version: string;
  description: string;
  author: string;
  url: string;
  license: string;
  dataTypeList: string[];
  baseConfig: string;
  /** Merged into the run-time config (under the organisation's configuration). */
  config: Record<string, unknown>;
  configurationItems: ConfigurationItem[];
  type: WorkerType;
  /** The command as written in the file (relative to the folder). */
  commandName?: string;
  /** Absolute path of the command, inside `root`. */
  command?: string;
  dockerImage?: string;
  /** The folder the definition was found in (the working directory of its processes). */
  root: string;
  /** `stdio` for Cortex 2 analyzers (input on stdin, report on stdout); default `jobdir` (Cortex 3). */
  protocol: 'jobdir' | 'stdio';
}

export function definitionId(name: string, version: string): string {
  return `${name}_${version}`.replace(/\./g, '_');
}

const ITEM_TYPES = new Set(['string', 'text', 'number', 'boolean']);

/** Parses one definition; undefined when it is not a valid, runnable definition. */
export function parseDefinition(raw: unknown, root: string, type: WorkerType): WorkerDefinition | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? o[k] : undefined);
  const name = str('name');
  const version = str('version') ?? (typeof o.version === 'number' ? String(o.version) : undefined);
  if (!name || !version) return undefined;
  const commandName = str('command');
  let command: string | undefined;
  if (commandName) {
    const abs = resolve(root, commandName);
    if (!abs.startsWith(resolve(root) + sep)) return undefined;
    command = abs;
  }
  if (!command) return undefined; // only the process runner exists
  const items: ConfigurationItem[] = [];
  for (const it of Array.isArray(o.configurationItems) ? o.configurationItems : []) {
    if (typeof it !== 'object' || it === null) continue;
    const i = it as Record<string, unknown>;
    if (typeof i.name !== 'string' || !ITEM_TYPES.has(String(i.type))) continue;
    items.push({
      name: i.name,
      description: typeof i.description === 'string' ? i.description : '',
      type: i.type as ConfigurationItem['type'],
      multi: i.multi === true,
      required: i.required === true,
      ...('defaultValue' in i ? { defaultValue: i.defaultValue } : {}),
    });
  }
  return {
    id: definitionId(name, version),
    name,
    version,
    description: str('description') ?? '',
    author: str('author') ?? '',
    url: str('url') ?? '',
    license: str('license') ?? '',
    dataTypeList: Array.isArray(o.dataTypeList) ? o.dataTypeList.filter((x): x is string => typeof x === 'string') : [],
    baseConfig: str('baseConfig') ?? name,
    config: typeof o.config === 'object' && o.config !== null && !Array.isArray(o.config) ? (o.config as Record<string, unknown>) : {},
    configurationItems: items,
    type,
    commandName,
    command,
    ...(str('dockerImage') ? { dockerImage: str('dockerImage') } : {}),
    root: resolve(root),
    protocol: o.protocol === 'stdio' ? 'stdio' : 'jobdir',
  };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every definition found in `folder`: `*.json` in its sub-folders (and in the folder itself). */
export function scanFolder(folder: string, type: WorkerType): WorkerDefinition[] {
  if (!existsSync(folder)) return [];
  const out: WorkerDefinition[] = [];
  const files: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const p = join(folder, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith('.json')) files.push(join(p, f));
    } else if (name.endsWith('.json')) files.push(p);
  }
  for (const f of files) {
    const d = parseDefinition(readJson(f), folder, type);
    if (d) out.push(d);
  }
  return out;
}

export class Catalog {
  private defs = new Map<string, WorkerDefinition>();

  constructor(private readonly folders: { analyzers: readonly string[]; responders: readonly string[] }) {
    this.scan();
  }

  /** Re-reads every folder. The first definition of an id wins. */
  scan(): void {
    const defs = new Map<string, WorkerDefinition>();
    for (const [type, folders] of [
      ['analyzer', this.folders.analyzers],
      ['responder', this.folders.responders],
    ] as const) {
      for (const folder of folders) for (const d of scanFolder(folder, type)) if (!defs.has(`${type}:${d.id}`)) defs.set(`${type}:${d.id}`, d);
    }
    this.defs = defs;
  }

  list(type: WorkerType): WorkerDefinition[] {
    return [...this.defs.values()].filter((d) => d.type === type);
  }

  get(type: WorkerType, id: string): WorkerDefinition | undefined {
    return this.defs.get(`${type}:${id}`);
  }
}
