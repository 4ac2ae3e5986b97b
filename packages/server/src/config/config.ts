/**
 * The only module that reads `process.env`. Configuration comes from an optional JSON
 * file (`WAGGLE_CONFIG`, or `waggle.json` in the working directory when present) and is
 * then overridden by environment variables. Every problem is reported at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface WaggleConfig {
  mode: 'production' | 'development' | 'test';
  http: { host: string; port: number; bodyLimit: number; uploadLimit: number; trustProxy: boolean };
  dataDir: string;
  admin: { login: string; password: string | undefined; passwordSource: 'config' | 'env' | 'generated' | 'default' };
  logLevel: string;
  query: { maxPageSize: number; maxFilterDepth: number };
  alert: { maxObservables: number; maxBulkMerge: number };
  storage: { backend: 'sqlite'; sqlite: { synchronous: 'FULL' | 'NORMAL' } };
  security: { secureCookies: boolean };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n - ${problems.join('\n - ')}`);
  }
}

type Env = Record<string, string | undefined>;

function readFile(env: Env, cwd: string, problems: string[]): Record<string, unknown> {
  const explicit = env.WAGGLE_CONFIG;
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, 'waggle.json');
  if (!existsSync(path)) {
    if (explicit) problems.push(`WAGGLE_CONFIG points to ${path}, which does not exist`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push(`${path} must hold a JSON object`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (e) {
    problems.push(`${path} is not valid JSON: ${(e as Error).message}`);
    return {};
  }
}

function get(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Loads and validates the configuration. Throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): WaggleConfig {
  const problems: string[] = [];
  const file = readFile(env, cwd, problems);

  const str = (envName: string, filePath: string, def: string): string => {
    const v = env[envName] ?? get(file, filePath);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' && typeof v !== 'number') {
      problems.push(`${envName} / ${filePath} must be a string`);
      return def;
    }
    return String(v);
  };
  const int = (envName: string, filePath: string, def: number, min: number, max: number): number => {
    const raw = env[envName] ?? get(file, filePath);
    if (raw === undefined || raw === null || raw === '') return def;
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${envName} / ${filePath} must be an integer between ${min} and ${max} (got ${JSON.stringify(raw)})`);
      return def;
    }
    return n;
  };
  const bool = (envName: string, filePath: string, def: boolean): boolean => {
    const raw = env[envName] ?? get(file, filePath);
    if (raw === undefined || raw === null || raw === '') return def;
    if (typeof raw === 'boolean') return raw;
    const s = String(raw).toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    problems.push(`${envName} / ${filePath} must be a boolean (got ${JSON.stringify(raw)})`);
    return def;
  };

  const modeRaw = str('WAGGLE_MODE', 'mode', env.NODE_ENV === 'test' ? 'test' : 'production');
  if (!['production', 'development', 'test'].includes(modeRaw)) problems.push(`WAGGLE_MODE must be production, development or test`);
  const mode = (['production', 'development', 'test'].includes(modeRaw) ? modeRaw : 'production') as WaggleConfig['mode'];

  const adminPasswordEnv = env.WAGGLE_ADMIN_PASSWORD;
  const adminPasswordFile = get(file, 'admin.password');
  let passwordSource: WaggleConfig['admin']['passwordSource'] = 'generated';
  let password: string | undefined;
  if (adminPasswordEnv !== undefined && adminPasswordEnv !== '') {
    password = adminPasswordEnv;
    passwordSource = 'env';
  } else if (typeof adminPasswordFile === 'string' && adminPasswordFile !== '') {
    password = adminPasswordFile;
    passwordSource = 'config';
  } else if (mode !== 'production') {
    password = 'secret';
    passwordSource = 'default';
  }
  if (password !== undefined && password.length < 6 && mode === 'production') {
    problems.push('WAGGLE_ADMIN_PASSWORD must have at least 6 characters');
  }

  const synchronous = str('WAGGLE_SQLITE_SYNCHRONOUS', 'storage.sqlite.synchronous', 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') problems.push('storage.sqlite.synchronous must be FULL or NORMAL');

  const config: WaggleConfig = {
    mode,
    http: {
      host: str('WAGGLE_HOST', 'http.host', '0.0.0.0'),
      port: int('WAGGLE_PORT', 'http.port', 9000, 0, 65535),
      bodyLimit: int('WAGGLE_BODY_LIMIT', 'http.bodyLimit', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      uploadLimit: int('WAGGLE_UPLOAD_LIMIT', 'http.uploadLimit', 100 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
      trustProxy: bool('WAGGLE_TRUST_PROXY', 'http.trustProxy', false),
    },
    dataDir: resolve(cwd, str('WAGGLE_DATA_DIR', 'dataDir', './data')),
    admin: {
      login: str('WAGGLE_ADMIN_LOGIN', 'admin.login', 'admin@thehive.local'),
      password,
      passwordSource,
    },
    logLevel: str('WAGGLE_LOG_LEVEL', 'logLevel', mode === 'test' ? 'warn' : 'info'),
    query: {
      maxPageSize: int('WAGGLE_QUERY_MAX_PAGE', 'query.maxPageSize', 10000, 1, 1_000_000),
      maxFilterDepth: int('WAGGLE_QUERY_MAX_DEPTH', 'query.maxFilterDepth', 32, 2, 1000),
    },
    alert: {
      maxObservables: int('WAGGLE_ALERT_MAX_OBSERVABLES', 'alert.maxObservables', 10000, 1, 1_000_000),
      maxBulkMerge: int('WAGGLE_ALERT_MAX_BULK_MERGE', 'alert.maxBulkMerge', 10000, 1, 1_000_000),
    },
    storage: { backend: 'sqlite', sqlite: { synchronous: synchronous === 'NORMAL' ? 'NORMAL' : 'FULL' } },
    security: { secureCookies: bool('WAGGLE_SECURE_COOKIES', 'security.secureCookies', false) },
  };
  if (!/^[^\s]+$/.test(config.admin.login)) problems.push('WAGGLE_ADMIN_LOGIN must be a login without spaces');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
