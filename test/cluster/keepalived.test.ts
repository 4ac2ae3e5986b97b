/**
 * keepalived moves the virtual IP between two HAProxy hosts (issue 7, done-when 5).
 *
 * In network namespaces this test creates: a hub (bridge, the backend and the client) and two
 * load balancers, each running the real Debian HAProxy and keepalived (VRRP over unicast,
 * `track_script` on its own HAProxy). The backend is a tiny Node HTTP server standing in for a
 * Waggle node; what is tested is the VRRP failover, not Waggle. The client requests the VIP
 * all along; the test stops the master's HAProxy and checks that the VIP moves to the backup
 * and that requests through the VIP continue.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NetnsLab, netnsUnavailable, type Host } from './netns.js';

const skip = netnsUnavailable('haproxy', 'keepalived');
const SUBNET = '10.213.0';
const VIP = `${SUBNET}.100`;
const PORT = 8080;
const BACKEND_PORT = 8081;

const BACKEND = `
require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ path: req.url }));
}).listen(${BACKEND_PORT}, process.argv[1], () => console.log('listening'));
`;

/**
 * One line of JSON per request to the VIP, sent every 100 ms: its sequence number, and which
 * balancer answered or the error. A request that times out reports a second after it was sent.
 */
const PROBER = `
const http = require('node:http');
let seq = 0;
const probe = () => {
  const n = ++seq;
  const req = http.get({ host: '${VIP}', port: ${PORT}, path: '/api/status', timeout: 1000, agent: false }, (res) => {
    res.resume();
    res.on('end', () => console.log(JSON.stringify({ seq: n, ok: res.statusCode === 200, lb: res.headers['x-lb'] || null })));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => console.log(JSON.stringify({ seq: n, ok: false, err: e.message })));
};
setInterval(probe, 100);
`;

function haproxyCfg(name: string, backend: string): string {
  return `global
    maxconn 256
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind *:${PORT}
    http-response set-header X-LB ${name}
    default_backend be
backend be
    option httpchk GET /api/status
    server b1 ${backend}:${BACKEND_PORT} check inter 500ms
`;
}

function keepalivedConf(name: string, self: Host, peer: Host, master: boolean, haproxyPid: number): string {
  return `global_defs {
    router_id ${name}
    script_user root
}
vrrp_script chk_haproxy {
    script "/bin/kill -0 ${haproxyPid}"
    interval 1
    fall 1
    rise 1
}
vrrp_instance waggle_vip {
    state ${master ? 'MASTER' : 'BACKUP'}
    interface ${self.dev}
    virtual_router_id 51
    priority ${master ? 150 : 100}
    advert_int 1
    unicast_src_ip ${self.addr}
    unicast_peer {
        ${peer.addr}
    }
    virtual_ipaddress {
        ${VIP}/24 dev ${self.dev}
    }
    track_script {
        chk_haproxy
    }
}
`;
}

interface Probe {
  seq: number;
  ok: boolean;
  lb?: string | null;
  err?: string;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
}

describe('keepalived: two HAProxy hosts share a virtual IP', { skip }, () => {
  let lab: NetnsLab | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'waggle-keepalived-'));
  after(async () => {
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('stopping the master HAProxy moves the VIP to the backup, and requests through the VIP continue', async () => {
    lab = new NetnsLab(SUBNET);
    const hub = lab.hub;
    const lb = [lab.addHost('lb1', 11), lab.addHost('lb2', 12)];

    const backend = lab.spawn(hub.ns, process.execPath, ['-e', BACKEND, hub.addr]);
    let backendUp = false;
    lines(backend, (l) => (backendUp ||= l === 'listening'));
    await waitFor('the backend listens', () => backendUp);

    const haproxy: ChildProcess[] = [];
    const logs: string[] = [];
    for (const [i, host] of lb.entries()) {
      const name = `lb${i + 1}`;
      const cfg = join(dir, `haproxy-${name}.cfg`);
      writeFileSync(cfg, haproxyCfg(name, hub.addr));
      const h = lab.spawn(host.ns, 'haproxy', ['-db', '-f', cfg]);
      h.stderr?.on('data', (d: Buffer) => logs.push(`[haproxy ${name}] ${d.toString()}`));
      haproxy.push(h);
    }
    for (const [i, host] of lb.entries()) {
      const name = `lb${i + 1}`;
      const conf = join(dir, `keepalived-${name}.conf`);
      writeFileSync(conf, keepalivedConf(name, host, lb[1 - i]!, i === 0, haproxy[i]!.pid!));
      const k = lab.spawn(host.ns, 'keepalived', [
        '-n', '-l', '-D', '-P',
        '-f', conf,
        '-p', join(dir, `keepalived-${name}.pid`),
        '-r', join(dir, `vrrp-${name}.pid`),
      ]); // prettier-ignore
      k.stdout?.on('data', (d: Buffer) => logs.push(`[keepalived ${name}] ${d.toString()}`));
      k.stderr?.on('data', (d: Buffer) => logs.push(`[keepalived ${name}] ${d.toString()}`));
    }

    const probes: Probe[] = [];
    lines(lab.spawn(hub.ns, process.execPath, ['-e', PROBER]), (l) => probes.push(JSON.parse(l) as Probe));

    try {
      await waitFor('the VIP answers through lb1, the master', () => probes.some((p) => p.ok && p.lb === 'lb1'));
      assert.ok(lab.addresses(lb[0]!.ns, 'eth0').includes(VIP), 'lb1 holds the VIP');
      assert.ok(!lab.addresses(lb[1]!.ns, 'eth0').includes(VIP), 'lb2 does not');
      const before = probes.length;
      await waitFor('ten more answers', () => probes.length >= before + 10);
      assert.ok(
        probes.slice(before).every((p) => p.ok && p.lb === 'lb1'),
        'every request goes through lb1 while it is master',
      );

      // the master's HAProxy stops; its keepalived notices through track_script and gives the VIP up
      const lastBefore = Math.max(...probes.map((p) => p.seq));
      haproxy[0]!.kill('SIGTERM');
      await waitFor('the VIP answers through lb2', () => probes.some((p) => p.ok && p.lb === 'lb2'));
      assert.ok(lab.addresses(lb[1]!.ns, 'eth0').includes(VIP), 'lb2 holds the VIP');
      assert.ok(!lab.addresses(lb[0]!.ns, 'eth0').includes(VIP), 'lb1 gave it up');

      // every request sent after the first one answered by lb2 succeeds through lb2
      const firstLb2 = Math.min(...probes.filter((p) => p.lb === 'lb2').map((p) => p.seq));
      await waitFor('twenty more answers', () => probes.filter((p) => p.seq > firstLb2).length >= 20);
      const afterSwitch = probes.filter((p) => p.seq > firstLb2);
      assert.ok(
        afterSwitch.every((p) => p.ok && p.lb === 'lb2'),
        `requests continue through lb2: ${JSON.stringify(afterSwitch.filter((p) => !p.ok || p.lb !== 'lb2'))}`,
      );
      const during = probes.filter((p) => p.seq > lastBefore && p.seq < firstLb2);
      const failed = during.filter((p) => !p.ok).length;
      console.log(`keepalived failover: ${failed} of ${during.length} requests sent while the VIP moved failed (one request every 100 ms)`);
    } catch (e) {
      console.error(logs.join(''));
      throw e;
    }
  });
});
