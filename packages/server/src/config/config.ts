/**
 * The only module that reads `process.env`. Configuration comes from an optional JSON
 * file (`WAGGLE_CONFIG`, or `waggle.json` in the working directory when present) and is
 * then overridden by environment variables. Every problem is reported at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/** `<repo>/analyzers` (the built-in analyzers), found by walking up from this module. */
function builtinAnalyzers(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'analyzers')) && existsSync(join(dir, 'package.json'))) return join(dir, 'analyzers');
    dir = dirname(dir);
  }
  return undefined;
}

export interface WaggleConfig {
  mode: 'production' | 'development' | 'test';
  http: { host: string; port: number; bodyLimit: number; uploadLimit: number; trustProxy: boolean };
  dataDir: string;
  admin: { login: string; password: string | undefined; passwordSource: 'config' | 'env' | 'generated' | 'default' };
  logLevel: string;
  query: { maxPageSize: number; maxFilterDepth: number };
  alert: { maxObservables: number; maxBulkMerge: number };
  /** `cluster` loads `@waggle/server-cluster` (Cassandra + OpenSearch); `cluster` is set only then. */
  storage: { backend: 'sqlite' | 'cluster'; sqlite: { synchronous: 'FULL' | 'NORMAL' }; cluster?: ClusterStorageConfig; s3?: S3StorageConfig };
  /** This node in a cluster (membership and quorum); set only when `storage.backend` is `cluster`. */
  cluster?: ClusterNodeConfig;
  security: { secureCookies: boolean };
  analysis: AnalysisConfig;
  /** Diagnostic routes for benchmarks (`POST /api/v1/_bench/noop`); off unless asked for. */
  bench: { endpoints: boolean };
}

/** The cluster EntityStore's engines (`storage.cassandra.*`, `storage.opensearch.*`). */
export interface ClusterStorageConfig {
  cassandra: { contactPoints: string[]; localDataCenter: string; keyspace: string; username?: string; password?: string; replicationFactor: number };
  /**
   * `refreshInterval`: the indexes' refresh interval (`1s` when not set). Every write waits for the
   * next refresh (`refresh=wait_for`), so it bounds a write's latency; a shorter one costs
   * OpenSearch more work on a busy cluster.
   */
  opensearch: { nodes: string[]; indexPrefix: string; refreshInterval?: string };
}

/** Files on S3 (MinIO) instead of `<dataDir>/files`: `storage.files` is `s3` (`storage.s3.*`). */
export interface S3StorageConfig {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Create the bucket at start when it is missing. */
  createBucket: boolean;
}

/** A cluster node (`cluster.*`): it serves only while `minMembers` nodes have a live heartbeat. */
export interface ClusterNodeConfig {
  nodeId: string;
  address: string;
  minMembers: number;
}

/** A Cortex-compatible engine TheHive-side connectors talk to (see analysis/connector). */
export interface EngineConfig {
  /** Name shown as `cortexId`. */
  name: string;
  /** `local`: the in-process engine; `cortex`: a remote Cortex 3 API (a real Cortex or `waggle analysis`). */
  type: 'local' | 'cortex';
  url?: string;
  key?: string;
}

export interface AnalysisConfig {
  /** Hosts the engine in-process (default true). */
  enabled: boolean;
  /** Port of the Cortex REST API served next to the TheHive API; null = not served. */
  port: number | null;
  /** Folders holding `<Analyzer>/<Flavor>.json` definitions. */
  analyzerFolders: string[];
  responderFolders: string[];
  /** Jobs run at once (FIFO beyond). */
  concurrency: number;
  /** Default job timeout in minutes when a worker sets none; null = none. */
  jobTimeout: number | null;
  /** Default job cache in minutes when a worker sets none (Cortex `cache.job`). */
  jobCache: number;
  /** Where job directories are created. */
  jobDirectory: string;
  /** Interpreters by command extension, e.g. `{".py": "/venv/bin/python"}`; `.js`/`.mjs` default to this Node. */
  interpreters: Record<string, string>;
  /** Engines of the TheHive-side connector. */
  engines: EngineConfig[];
  /** Auto-run rules: new observables of these data types are analysed by these analyzers (names or definition ids). */
  autoRun: Array<{ dataTypes: string[]; analyzers: string[] }>;
  /** Seconds between polls of remote engines' jobs. */
  pollSeconds: number;
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

  const backendRaw = str('WAGGLE_STORAGE_BACKEND', 'storage.backend', 'sqlite');
  if (backendRaw !== 'sqlite' && backendRaw !== 'cluster') problems.push('storage.backend must be sqlite or cluster');
  const hosts = (envName: string, filePath: string, def: string[]): string[] => {
    const raw = env[envName] ?? get(file, filePath);
    if (raw === undefined || raw === null || raw === '') return def;
    if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw;
    if (typeof raw === 'string') {
      return raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    }
    problems.push(`${envName} / ${filePath} must be a list of hosts`);
    return def;
  };
  let cluster: ClusterStorageConfig | undefined;
  if (backendRaw === 'cluster') {
    const username = str('WAGGLE_CASSANDRA_USERNAME', 'storage.cassandra.username', '');
    const keyspace = str('WAGGLE_CASSANDRA_KEYSPACE', 'storage.cassandra.keyspace', 'waggle');
    if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(keyspace)) problems.push('storage.cassandra.keyspace must be a Cassandra identifier (letters, digits, _)');
    cluster = {
      cassandra: {
        contactPoints: hosts('WAGGLE_CASSANDRA_CONTACT_POINTS', 'storage.cassandra.contactPoints', ['127.0.0.1:9042']),
        localDataCenter: str('WAGGLE_CASSANDRA_DC', 'storage.cassandra.localDataCenter', 'datacenter1'),
        keyspace,
        ...(username ? { username, password: str('WAGGLE_CASSANDRA_PASSWORD', 'storage.cassandra.password', '') } : {}),
        replicationFactor: int('WAGGLE_CASSANDRA_RF', 'storage.cassandra.replicationFactor', 3, 1, 9),
      },
      opensearch: {
        nodes: hosts('WAGGLE_OPENSEARCH_NODES', 'storage.opensearch.nodes', ['http://127.0.0.1:9200']),
        indexPrefix: str('WAGGLE_OPENSEARCH_INDEX_PREFIX', 'storage.opensearch.indexPrefix', 'waggle_'),
      },
    };
    const refreshInterval = str('WAGGLE_OPENSEARCH_REFRESH_INTERVAL', 'storage.opensearch.refreshInterval', '');
    if (refreshInterval && !/^[1-9]\d*(ms|s)$/.test(refreshInterval)) {
      problems.push('storage.opensearch.refreshInterval must be a duration such as 1s or 200ms');
    } else if (refreshInterval) cluster.opensearch.refreshInterval = refreshInterval;
  }

  const filesRaw = str('WAGGLE_FILES_BACKEND', 'storage.files', 'local');
  if (filesRaw !== 'local' && filesRaw !== 's3') problems.push('storage.files must be local or s3');
  let s3: S3StorageConfig | undefined;
  if (filesRaw === 's3') {
    const endpoint = str('WAGGLE_S3_ENDPOINT', 'storage.s3.endpoint', '');
    if (!/^https?:\/\/[^/\s]+/.test(endpoint)) problems.push('WAGGLE_S3_ENDPOINT / storage.s3.endpoint must be an http(s) URL');
    const accessKeyId = str('WAGGLE_S3_ACCESS_KEY_ID', 'storage.s3.accessKeyId', '');
    const secretAccessKey = str('WAGGLE_S3_SECRET_ACCESS_KEY', 'storage.s3.secretAccessKey', '');
    if (!accessKeyId || !secretAccessKey) {
      problems.push('storage.s3.accessKeyId and storage.s3.secretAccessKey are required (WAGGLE_S3_ACCESS_KEY_ID, WAGGLE_S3_SECRET_ACCESS_KEY)');
    }
    s3 = {
      endpoint,
      region: str('WAGGLE_S3_REGION', 'storage.s3.region', 'us-east-1'),
      bucket: str('WAGGLE_S3_BUCKET', 'storage.s3.bucket', 'waggle'),
      accessKeyId,
      secretAccessKey,
      forcePathStyle: bool('WAGGLE_S3_FORCE_PATH_STYLE', 'storage.s3.forcePathStyle', true),
      createBucket: bool('WAGGLE_S3_CREATE_BUCKET', 'storage.s3.createBucket', true),
    };
  }
  const clusterNode: ClusterNodeConfig | undefined =
    backendRaw === 'cluster'
      ? {
          nodeId: str('WAGGLE_CLUSTER_NODE_ID', 'cluster.nodeId', hostname()),
          address: str('WAGGLE_CLUSTER_ADDRESS', 'cluster.address', `${hostname()}:${env.WAGGLE_PORT ?? String(get(file, 'http.port') ?? 9000)}`),
          minMembers: int('WAGGLE_CLUSTER_MIN_MEMBERS', 'cluster.minMembers', 1, 1, 99),
        }
      : undefined;

  const json = <T>(envName: string, filePath: string, def: T, check: (v: unknown) => boolean, what: string): T => {
    const raw = env[envName] ?? get(file, filePath);
    if (raw === undefined || raw === null || raw === '') return def;
    let v: unknown = raw;
    if (typeof raw === 'string') {
      try {
        v = JSON.parse(raw);
      } catch {
        problems.push(`${envName} / ${filePath} must be JSON (${what})`);
        return def;
      }
    }
    if (!check(v)) {
      problems.push(`${envName} / ${filePath} must be ${what}`);
      return def;
    }
    return v as T;
  };
  const list = (envName: string, filePath: string, def: string[]): string[] => {
    const raw = env[envName] ?? get(file, filePath);
    if (raw === undefined || raw === null) return def;
    if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw.map((x) => resolve(cwd, x));
    if (typeof raw === 'string') {
      return raw
        .split(/[,:]/)
        .map((x) => x.trim())
        .filter(Boolean)
        .map((x) => resolve(cwd, x));
    }
    problems.push(`${envName} / ${filePath} must be a list of folders`);
    return def;
  };
  const portRaw = str('WAGGLE_ANALYSIS_PORT', 'analysis.port', mode === 'test' ? 'off' : '9001');
  let analysisPort: number | null = null;
  if (portRaw !== 'off' && portRaw !== '0') {
    const n = Number(portRaw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) problems.push('WAGGLE_ANALYSIS_PORT / analysis.port must be a port, 0 or off');
    else analysisPort = n;
  }
  const timeoutRaw = str('WAGGLE_ANALYSIS_JOB_TIMEOUT', 'analysis.jobTimeout', '30');
  const jobTimeout = timeoutRaw === 'none' || timeoutRaw === '0' ? null : Number(timeoutRaw);
  if (jobTimeout !== null && !(jobTimeout > 0)) problems.push('WAGGLE_ANALYSIS_JOB_TIMEOUT / analysis.jobTimeout must be minutes > 0 or none');
  const jobCache = Number(str('WAGGLE_ANALYSIS_JOB_CACHE', 'analysis.jobCache', '10'));
  if (!(jobCache >= 0)) problems.push('WAGGLE_ANALYSIS_JOB_CACHE / analysis.jobCache must be minutes >= 0');
  const builtin = builtinAnalyzers();
  const isEngines = (v: unknown): boolean =>
    Array.isArray(v) &&
    v.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as EngineConfig).name === 'string' &&
        ((e as EngineConfig).type === 'local' || ((e as EngineConfig).type === 'cortex' && typeof (e as EngineConfig).url === 'string')),
    );
  const isRules = (v: unknown): boolean =>
    Array.isArray(v) &&
    v.every(
      (r) =>
        typeof r === 'object' && r !== null && Array.isArray((r as { dataTypes: unknown }).dataTypes) && Array.isArray((r as { analyzers: unknown }).analyzers),
    );
  const isStringMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
  const analysisEnabled = bool('WAGGLE_ANALYSIS_ENABLED', 'analysis.enabled', true);

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
    storage: {
      backend: backendRaw === 'cluster' ? 'cluster' : 'sqlite',
      sqlite: { synchronous: synchronous === 'NORMAL' ? 'NORMAL' : 'FULL' },
      ...(cluster ? { cluster } : {}),
      ...(s3 ? { s3 } : {}),
    },
    ...(clusterNode ? { cluster: clusterNode } : {}),
    security: { secureCookies: bool('WAGGLE_SECURE_COOKIES', 'security.secureCookies', false) },
    bench: { endpoints: bool('WAGGLE_BENCH_ENDPOINTS', 'bench.endpoints', false) },
    analysis: {
      enabled: analysisEnabled,
      port: analysisPort,
      analyzerFolders: list('WAGGLE_ANALYZER_FOLDERS', 'analysis.analyzerFolders', builtin ? [builtin] : []),
      responderFolders: list('WAGGLE_RESPONDER_FOLDERS', 'analysis.responderFolders', []),
      concurrency: int('WAGGLE_ANALYSIS_CONCURRENCY', 'analysis.concurrency', 4, 1, 1024),
      jobTimeout,
      jobCache: jobCache >= 0 ? jobCache : 10,
      jobDirectory: resolve(cwd, str('WAGGLE_ANALYSIS_JOB_DIRECTORY', 'analysis.jobDirectory', tmpdir())),
      interpreters: json('WAGGLE_ANALYSIS_INTERPRETERS', 'analysis.interpreters', {}, isStringMap, 'an object of extension -> interpreter path'),
      engines: json(
        'WAGGLE_ANALYSIS_ENGINES',
        'analysis.engines',
        analysisEnabled ? [{ name: 'local', type: 'local' }] : [],
        isEngines,
        'a list of {name, type: local|cortex, url?, key?}',
      ),
      autoRun: json('WAGGLE_ANALYSIS_AUTORUN', 'analysis.autoRun', [], isRules, 'a list of {dataTypes: [...], analyzers: [...]}'),
      pollSeconds: int('WAGGLE_ANALYSIS_POLL_SECONDS', 'analysis.pollSeconds', 2, 1, 3600),
    },
  };
  if (!/^[^\s]+$/.test(config.admin.login)) problems.push('WAGGLE_ADMIN_LOGIN must be a login without spaces');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
