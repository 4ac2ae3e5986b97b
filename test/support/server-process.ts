/**
 * Starts the real server (`node --import tsx packages/server/src/main.ts`) as a child process,
 * for tests that need a separate process: kill -9 durability, log capture.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<string>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<string>;
}

/** A TCP port free at the time of the call. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server with `env` (on a free port unless WAGGLE_PORT is given) and waits until GET
 * /api/status answers a status that `until` accepts (default: 2xx, ready; a cluster node without its
 * quorum answers 503 once it listens).
 */
export async function startServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
  until: (status: number) => boolean = (s) => s >= 200 && s < 300,
): Promise<ServerProcess> {
  const port = env.WAGGLE_PORT ? Number(env.WAGGLE_PORT) : await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, WAGGLE_HOST: '127.0.0.1', ...env, WAGGLE_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  let gone: string | undefined;
  void exited.then((e) => (gone = e));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone !== undefined) throw new Error(`server exited (${gone}) before it was ready:\n${out}`);
    try {
      const r = await fetch(`${base}/api/status`);
      await r.arrayBuffer();
      if (until(r.status)) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    base,
    output: () => out,
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (gone === undefined) child.kill(signal);
      return exited;
    },
  };
}

/** One JSON request to a running server: status, parsed body (when JSON) and raw text. */
export async function call(base: string, method: string, path: string, auth: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text };
}
