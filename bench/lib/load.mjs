// A small HTTP load client for the benchmark: N concurrent keep-alive connections (raw-http.mjs,
// one node:net socket each), a fixed number of requests, and a latency histogram (exact
// percentiles from the sorted samples). `request()` is the node:http one-off call. No dependencies.
import http from 'node:http';
import { RawHttpClient } from './raw-http.mjs';

/**
 * Sends one request and resolves `{status, body, ms}`.
 * @param {http.Agent} agent
 * @param {{host: string, port: number}} target
 * @param {{method: string, path: string, headers?: Record<string,string>, body?: unknown}} req
 */
export function request(agent, target, req) {
  return new Promise((resolve, reject) => {
    const payload = req.body === undefined ? undefined : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    const started = process.hrtime.bigint();
    const r = http.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.path,
        agent,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...(req.headers ?? {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    if (payload) r.write(payload);
    r.end();
  });
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** The default check: a 2xx answer, else an error with the start of the body. */
export function expect2xx(res) {
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
}

/**
 * `concurrency` keep-alive clients on `target` (raw-http.mjs), one per worker.
 * @param {{host: string, port: number}} target
 * @param {number} concurrency
 * @param {boolean | 'errors'} keepBody  whether responses keep their body (`'errors'`: non-2xx only)
 */
export function openClients(target, concurrency, keepBody) {
  return Array.from({ length: concurrency }, () => new RawHttpClient(target, { keepBody }));
}

/**
 * Runs `requests` requests built by `make(i)` over `concurrency` keep-alive connections.
 * `check(res, i)` may throw to count a response as an error (default: 2xx expected); `res` has
 * `status`, `ms` and `body` (text; with `keepBody: 'errors'` only for non-2xx answers).
 * @returns {Promise<{name: string, concurrency: number, requests: number, errors: number, firstError?: string, seconds: number, rps: number, p50: number, p95: number, p99: number, max: number, mean: number}>}
 */
export async function runLoad({ name, target, concurrency, requests, make, check, warmup = 0, keepBody = true }) {
  const clients = openClients(target, concurrency, keepBody);
  const ok = check ?? expect2xx;
  // warm-up (not measured): JIT, statement cache, page cache
  for (let i = 0; i < warmup; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, warmup - i) }, (_, k) => clients[k].send(make(-(i + k) - 1))));
  }
  const lat = new Float64Array(requests);
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError;
  const started = process.hrtime.bigint();
  const worker = async (client) => {
    for (;;) {
      const i = next++;
      if (i >= requests) return;
      try {
        const res = await client.send(make(i));
        lat[i] = res.ms;
        ok(res, i);
      } catch (e) {
        errors++;
        firstError ??= String(e?.message ?? e);
      }
      done++;
    }
  };
  await Promise.all(clients.map(worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const c of clients) c.close();
  const sorted = Array.from(lat).sort((a, b) => a - b);
  const round = (x) => Math.round(x * 100) / 100;
  return {
    name,
    concurrency,
    requests: done,
    errors,
    ...(firstError ? { firstError } : {}),
    seconds: round(seconds),
    rps: round(done / seconds),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}
