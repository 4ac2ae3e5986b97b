#!/usr/bin/env node
/** `waggle server` entry point: loads config, starts, and tells where to log in. */
import { loadConfig, ConfigError } from './config/config.js';
import { createWaggle, openEntityStore } from './server.js';
import type { WaggleConfig } from './config/config.js';
import { buildAnalysisApp } from './analysis/http/app.js';
import { clusterCommand } from './cli/cluster-status.js';
import { migrateStorage } from './cli/migrate-storage.js';
import { processIo } from './cli/io.js';

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (process.argv[2] === 'reindex') return reindex(config);
  if (process.argv[2] === 'cluster') process.exit(await clusterCommand(config, process.argv.slice(3), processIo));
  if (process.argv[2] === 'migrate-storage') process.exit(await migrateStorage(config, process.argv.slice(3), processIo));
  if (config.admin.password === undefined) {
    // production without a configured password: generate one and show it once
    const { randomBytes } = await import('node:crypto');
    config = { ...config, admin: { ...config.admin, password: randomBytes(12).toString('base64url'), passwordSource: 'generated' as const } };
  }
  const w = await createWaggle(config);
  // `waggle analysis`: only the Cortex-compatible engine API (on analysis.port, default 9001)
  const analysisOnly = process.argv[2] === 'analysis';
  const analysisPort = config.analysis.port ?? (analysisOnly ? 9001 : null);
  let analysisLine = '';
  if (w.services.analysis && analysisPort !== null) {
    const engineApp = await buildAnalysisApp(w.services);
    try {
      await engineApp.listen({ host: config.http.host, port: analysisPort });
      analysisLine = `Cortex-compatible analysis API at http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${analysisPort}/`;
    } catch (e) {
      if (analysisOnly) throw e;
      analysisLine = `Analysis API not served: port ${analysisPort} unavailable (${(e as Error).message})`;
    }
    const close = w.close;
    w.close = async () => {
      await engineApp.close();
      await close();
    };
  }
  if (analysisOnly) {
    process.stdout.write(`\n${analysisLine}\n\n`);
    const stopEngine = async () => {
      await w.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stopEngine());
    process.on('SIGTERM', () => void stopEngine());
    return;
  }
  const address = await w.app.listen({ host: config.http.host, port: config.http.port });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const host = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  const port = new URL(address).port;
  const lines = ['', `Waggle is ready at http://${host}:${port}/ (started in ${ms.toFixed(0)} ms, data in ${config.dataDir})`];
  if (w.boot.adminCreated) {
    const how = {
      env: 'from WAGGLE_ADMIN_PASSWORD',
      config: 'from the configuration file (admin.password)',
      default: `the development default "${config.admin.password}" (WAGGLE_MODE=${config.mode})`,
      generated: `generated for you: ${config.admin.password}  (set WAGGLE_ADMIN_PASSWORD to choose it; change it after logging in)`,
    }[config.admin.passwordSource];
    lines.push(`Log in as ${w.boot.adminLogin}; its password was ${how}.`);
  } else {
    lines.push(`Log in as ${w.boot.adminLogin} (administrator created on first start; its password is unchanged).`);
  }
  if (analysisLine) lines.push(analysisLine);
  process.stdout.write(`${lines.join('\n')}\n\n`);
  const stop = async () => {
    await w.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/**
 * `waggle reindex`: rebuilds the OpenSearch indexes of a cluster store from Cassandra (the source
 * of truth), type by type, while the cluster keeps serving; then drains the index outbox.
 */
async function reindex(config: WaggleConfig): Promise<void> {
  if (config.storage.backend !== 'cluster') {
    process.stderr.write(
      'waggle reindex rebuilds the OpenSearch indexes of a cluster store (storage.backend: cluster). ' +
        'This installation uses the embedded SQLite store, whose indexes live in the database itself: nothing to rebuild.\n',
    );
    process.exit(2);
  }
  const store = (await openEntityStore(config)) as Awaited<ReturnType<typeof openEntityStore>> & {
    reindex(onProgress?: (type: string, done: number) => void): Promise<number>;
    repairIndex(): Promise<number>;
  };
  await store.init();
  const tty = process.stderr.isTTY;
  let current = '';
  const started = Date.now();
  const total = await store.reindex((type, done) => {
    if (type !== current && current && tty) process.stderr.write('\n');
    current = type;
    const line = `${type.padEnd(16)} ${done.toLocaleString('en')} documents`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  });
  const repaired = await store.repairIndex();
  await store.close();
  process.stderr.write(`${tty ? '\n' : ''}`);
  process.stdout.write(`Reindexed ${total} documents in ${((Date.now() - started) / 1000).toFixed(1)} s; ${repaired} outbox entries drained.\n`);
  process.exit(0);
}

void main();
