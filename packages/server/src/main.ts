#!/usr/bin/env node
/** `waggle server` entry point: loads config, starts, and tells where to log in. */
import { loadConfig, ConfigError } from './config/config.js';
import { createWaggle } from './server.js';
import { buildAnalysisApp } from './analysis/http/app.js';

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

void main();
