// Starting the built server on a data directory for benchmarks, and reading its memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import http from 'node:http';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** One GET /api/status: its status code, or 0 when nothing answers within a second. */
export function statusOnce(port) {
  return new Promise((resolve) => {
    const r = http.get({ host: '127.0.0.1', port, path: '/api/status', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    r.on('error', () => resolve(0));
    r.setTimeout(1000, () => {
      r.destroy();
      resolve(0);
    });
  });
}

/** Spawns `node packages/server/dist/main.js` with `env` and waits for /api/status. */
export async function startBuiltServer(root, { dataDir, port, adminPassword, env = {}, nodeArgs = [] }) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'packages/server/dist/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      WAGGLE_DATA_DIR: dataDir,
      WAGGLE_HOST: '127.0.0.1',
      WAGGLE_PORT: String(port),
      WAGGLE_MODE: 'production',
      WAGGLE_ADMIN_PASSWORD: adminPassword,
      WAGGLE_ANALYSIS_PORT: '0',
      NODE_NO_WARNINGS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-20000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-20000)));
  let exited = false;
  child.on('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the server exited during start-up:\n${output}`);
    if ((await statusOnce(port)) === 200) break;
    if (performance.now() - t0 > 120_000) throw new Error(`the server was not ready after 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    child,
    readyMs: performance.now() - t0,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((status.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) ?? [])[1] ?? NaN);
  return { rssMB: Math.round(kb('VmRSS') / 1024), hwmMB: Math.round(kb('VmHWM') / 1024) };
}
