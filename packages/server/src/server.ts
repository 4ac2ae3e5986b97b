/**
 * The composition root of `waggle server`: config -> adapters -> services -> HTTP app.
 * `startServer` is used by `main.ts` and by tests that need a real listening server.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { WaggleConfig } from './config/config.js';
import { SqliteEntityStore } from './storage/sqlite/sqlite-entity-store.js';
import type { EntityStore } from './storage/entity-store.js';
import { ALL_ORGS, ENTITIES, RESTRICTED_TO, SYSTEM_FIELDS, entityDef, fieldDef } from './entities/registry.js';
import { ConflictError, NotFoundError, registerUnavailableClassifier, SearchError, ServiceUnavailableError } from './errors/errors.js';
import { DERIVED_FIELDS } from './query/derived-fields.js';
import { bucketStart } from './query/aggregate-docs.js';
import { LocalFsBlobStore } from './storage/localfs/localfs-blob-store.js';
import type { BlobStore } from './storage/blob-store.js';
import type { Readiness } from './cluster/readiness.js';
import type { Singletons } from './cluster/singletons.js';
import type { EventRelay } from './cluster/event-relay.js';
import { VERSION } from './http/routes/status/routes.js';
import { createServices, type Services } from './services/index.js';
import { bootstrap, type BootstrapResult } from './services/bootstrap.js';
import { buildApp } from './http/app.js';

/** The server secret (session signing, API key sealing), created once in the data dir. */
function serverSecret(dataDir: string): string {
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}

export interface Running {
  app: FastifyInstance;
  services: Services;
  boot: BootstrapResult;
  close: () => Promise<void>;
}

/**
 * The configured EntityStore. The cluster adapters are loaded only when configured, so the
 * default install never loads the Cassandra and OpenSearch clients.
 */
export async function openEntityStore(config: WaggleConfig, opts: { readOnly?: boolean } = {}): Promise<EntityStore> {
  const cluster = config.storage.cluster;
  const readOnly = opts.readOnly ? { readOnly: true } : {};
  if (config.storage.backend !== 'cluster' || !cluster) {
    return new SqliteEntityStore({ path: join(config.dataDir, 'waggle.db'), synchronous: config.storage.sqlite.synchronous, ...readOnly });
  }
  const { CassandraOpenSearchEntityStore, cassandraUnavailable } = await import('@waggle/server-cluster');
  // Cassandra nodes down or timing out answer 503 ServiceUnavailable, not 500
  registerUnavailableClassifier(cassandraUnavailable);
  return new CassandraOpenSearchEntityStore(
    { cassandra: cluster.cassandra, opensearch: cluster.opensearch, ...readOnly },
    {
      registry: { ENTITIES, entityDef, fieldDef, SYSTEM_FIELDS, ALL_ORGS, RESTRICTED_TO, DERIVED_FIELDS },
      errors: { ConflictError, NotFoundError, SearchError, ServiceUnavailableError },
      bucketStart,
    },
  );
}

/** The configured file store: `<dataDir>/files`, or S3 (loaded only when configured). */
export async function openBlobStore(config: WaggleConfig): Promise<BlobStore> {
  const s3 = config.storage.s3;
  if (!s3) return new LocalFsBlobStore(join(config.dataDir, 'files'));
  const { S3BlobStore } = await import('@waggle/server-cluster');
  return new S3BlobStore(s3, { errors: { NotFoundError } });
}

/**
 * In a cluster: this node's membership (readiness for `/api/status`), leases (singleton jobs) and
 * the live stream's event log, on the store's keyspace.
 */
async function startCoordination(
  config: WaggleConfig,
  onError: (what: string, e: unknown) => void,
): Promise<(Readiness & Singletons & { events?: EventRelay | undefined; stop(): Promise<void> }) | undefined> {
  const node = config.cluster;
  const cassandra = config.storage.cluster?.cassandra;
  if (!node || !cassandra) return undefined;
  const { ClusterCoordinator } = await import('@waggle/server-cluster');
  return ClusterCoordinator.connect(cassandra, { ...node, version: VERSION, onError });
}

/**
 * Failures of background cluster work (heartbeats, lease renewals, singleton runs, the stream's
 * event log): logged once the app's logger exists, each kind at most every 30 s (they retry often).
 */
function coordinationErrors(): { onError: (what: string, e: unknown) => void; useLogger: (log: FastifyInstance['log']) => void } {
  let log: FastifyInstance['log'] | undefined;
  const last = new Map<string, number>();
  return {
    onError: (what, e) => {
      const now = Date.now();
      if (!log || now - (last.get(what) ?? 0) < 30_000) return;
      last.set(what, now);
      log.warn({ err: e }, `cluster: ${what} failed (retrying)`);
    },
    useLogger: (l) => (log = l),
  };
}

/**
 * The cluster store's index repair (drains the outbox of failed index writes) as the singleton
 * job `index-repair`, every 5 s on one node; stopped with the coordination. Nothing to do on the
 * embedded store.
 */
function startIndexRepair(store: EntityStore, singletons: Singletons): void {
  const repairable = store as EntityStore & { repairIndex?: () => Promise<number> };
  if (typeof repairable.repairIndex !== 'function') return;
  singletons.runSingleton('index-repair', () => repairable.repairIndex!().then(() => undefined), { everyMs: 5000 });
}

export async function createWaggle(config: WaggleConfig, opts: { logger?: boolean } = {}): Promise<Running> {
  mkdirSync(config.dataDir, { recursive: true });
  const store = await openEntityStore(config);
  await store.init();
  let coordination: Awaited<ReturnType<typeof startCoordination>>;
  const errors = coordinationErrors();
  let services: Services;
  let boot: BootstrapResult;
  try {
    const blobs = await openBlobStore(config);
    await blobs.init();
    // after the store's init, which creates the keyspace the coordination tables go to
    coordination = await startCoordination(config, errors.onError);
    services = createServices(
      config,
      store,
      blobs,
      serverSecret(config.dataDir),
      coordination ? { singletons: coordination, ...(coordination.events ? { relay: coordination.events } : {}) } : {},
    );
    if (coordination) services.readiness = coordination;
    startIndexRepair(store, services.singletons);
    boot = await bootstrap(store, services.orgs, services.users, config.admin);
    await services.dashboards.ensureDefaultsForAll();
  } catch (e) {
    // a start that fails half-way must not leave clients open (the process would never exit)
    await coordination?.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
  const app = await buildApp(services, opts);
  errors.useLogger(app.log);
  await services.analysis?.start((e) => app.log.warn({ err: e }, 'analysis: the jobs left waiting could not be listed yet (retrying in 5 s)'));
  return {
    app,
    services,
    boot,
    close: async () => {
      services.analysis?.stop();
      await services.cortex?.stop();
      await app.close();
      await coordination?.stop();
      await store.close();
    },
  };
}
