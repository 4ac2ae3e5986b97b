#!/usr/bin/env node
// The load generator's own cost: node:http's client (`request()` with a keep-alive Agent, what
// runFor/runLoad used before round 5) against bench/lib/raw-http.mjs, alternating, each in its
// own process, 32 closed-loop clients posting the ingestion benchmark's 2.7 kB alert to a Fastify
// server (a child process, the same route shape as POST /api/v1/_bench/noop). Prints per client
// kind the rate, the client's CPU µs per request (process.cpuUsage) and the server's
// (/proc/<pid>/stat, measured phase only). See docs/benchmarks.md, issue 3, round 5.
//
//   node bench/load-client.mjs                    # 3 rounds of 4 s per client kind
//   node bench/load-client.mjs --delay-ms 20      # the server answers after 20 ms (~1,500 req/s, like ingestion)
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { request } from './lib/load.mjs';
import { RawHttpClient } from './lib/raw-http.mjs';
import { alertPayload } from './lib/alert-payload.mjs';

const self = new URL(import.meta.url).pathname;
const { values: cli } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: '32' },
    'delay-ms': { type: 'string', default: '0' },
    serve: { type: 'boolean', default: false },
    client: { type: 'string' },
    port: { type: 'string' },
  },
});

if (cli.serve) {
  const fastify = createRequire(new URL('../packages/server/package.json', import.meta.url))('fastify');
  const app = fastify();
  const delay = Number(cli['delay-ms']);
  app.post('/api/v1/_bench/noop', async (req, reply) => {
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    return reply.status(201).send({ ok: true, size: JSON.stringify(req.body ?? null).length });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${app.server.address().port}\n`);
} else if (cli.client) {
  // one client kind for warm-up + measured phase; prints one JSON line
  const target = { host: '127.0.0.1', port: Number(cli.port) };
  const headers = { authorization: 'Bearer 0123456789abcdef0123456789abcdef' };
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number(cli.clients) });
  const raw = Array.from({ length: Number(cli.clients) }, () => new RawHttpClient(target, { keepBody: 'errors' }));
  let n = 0;
  const phase = async (secs) => {
    const end = performance.now() + secs * 1000;
    let done = 0;
    await Promise.all(
      raw.map(async (client) => {
        while (performance.now() < end) {
          const req = { method: 'POST', path: '/api/v1/_bench/noop', headers, body: alertPayload(`noop-${n}`, 20, n++) };
          const res = cli.client === 'raw' ? await client.send(req) : await request(agent, target, req);
          if (res.status !== 201) throw new Error(`HTTP ${res.status}`);
          done++;
        }
      }),
    );
    return done;
  };
  await phase(1);
  process.stdout.write('measure\n');
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const requests = await phase(Number(cli.seconds));
  const c = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ requests, seconds: (performance.now() - t0) / 1000, cpuUs: c.user + c.system })}\n`);
  process.exit(0);
} else {
  const server = spawn(process.execPath, [self, '--serve', '--delay-ms', cli['delay-ms']], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(String(d).trim())));
  const serverCpuUs = () => {
    const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; // utime + stime in clock ticks (USER_HZ 100)
  };
  const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
  console.log(`load average before ${load().join(' ')}; ${cli.clients} clients, ${cli.seconds} s per run, server delay ${cli['delay-ms']} ms`);
  for (let round = 0; round < Number(cli.rounds); round++) {
    for (const kind of ['node:http', 'raw']) {
      const child = spawn(
        process.execPath,
        [self, '--client', kind === 'raw' ? 'raw' : 'node', '--port', port, '--seconds', cli.seconds, '--clients', cli.clients],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      let serverBefore = 0;
      child.stdout.on('data', (d) => {
        out += d;
        if (serverBefore === 0 && out.includes('measure\n')) serverBefore = serverCpuUs();
      });
      await new Promise((resolve) => child.on('exit', resolve));
      const serverUs = serverCpuUs() - serverBefore;
      const r = JSON.parse(out.trim().split('\n').pop());
      console.log(
        `${kind.padEnd(9)} ${String(Math.round(r.requests / r.seconds)).padStart(6)} req/s; CPU µs per request: client ${(r.cpuUs / r.requests).toFixed(1)}, server ${(serverUs / r.requests).toFixed(1)}`,
      );
    }
  }
  console.log(`load average after ${load().join(' ')}`);
  server.kill();
}
