/**
 * Network namespaces for cluster tests (iproute2, root): namespaces the test creates, joined by
 * veth pairs to a bridge inside a "hub" namespace, so that no address, route or VIP ever touches
 * the host's own network. Everything is removed by `destroy()`, and at process exit as a fallback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Runs `ip <args>`; throws with its stderr on failure. */
export function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return r.stdout;
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/**
 * Why namespaces cannot be used here, or false when they can: needs root, iproute2 and the
 * right to create a namespace (containers may forbid it), plus any extra commands named.
 */
export function netnsUnavailable(...commands: string[]): string | false {
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add); this process is not uid 0';
  for (const c of ['ip', ...commands]) {
    if (!has(c)) return `${c} is not installed (scripts/engines/haproxy.sh install)`;
  }
  const probe = `wg-probe-${randomBytes(3).toString('hex')}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `creating a network namespace is not permitted here: ${r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return false;
}

export interface Host {
  ns: string;
  addr: string;
  /** The host's interface on the shared segment. */
  dev: string;
}

/** A hub namespace with a bridge (`hubAddr`), and hosts each in its own namespace on it. */
export class NetnsLab {
  readonly suffix = randomBytes(3).toString('hex');
  readonly hub: Host;
  readonly hosts: Host[] = [];
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly onExit = (): void => this.destroySync();

  constructor(
    readonly subnet: string,
    hubHost = 1,
  ) {
    this.hub = { ns: this.addNs('hub'), addr: `${subnet}.${hubHost}`, dev: 'br0' };
    ip('-n', this.hub.ns, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.hub.ns, 'addr', 'add', `${this.hub.addr}/24`, 'dev', 'br0');
    ip('-n', this.hub.ns, 'link', 'set', 'br0', 'up');
    process.once('exit', this.onExit);
  }

  private addNs(role: string): string {
    const ns = `wg-${role}-${this.suffix}`;
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** A host namespace with `eth0` at `<subnet>.<n>`, linked to the hub's bridge. */
  addHost(role: string, n: number): Host {
    const ns = this.addNs(role);
    const port = `p${n}-${this.suffix}`;
    ip('-n', this.hub.ns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', this.hub.ns, 'link', 'set', port, 'master', 'br0', 'up');
    const host = { ns, addr: `${this.subnet}.${n}`, dev: 'eth0' };
    ip('-n', ns, 'addr', 'add', `${host.addr}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    this.hosts.push(host);
    return host;
  }

  /** Starts `cmd args` inside namespace `ns`; the child is killed by `destroy()`. */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** The IPv4 addresses on `dev` in `ns`. */
  addresses(ns: string, dev: string): string[] {
    return [...ip('-n', ns, '-4', '-o', 'addr', 'show', 'dev', dev).matchAll(/inet (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
  }

  /** Kills the children this lab started (by pid) and deletes its namespaces. */
  async destroy(): Promise<void> {
    const gone = [...this.children].map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
    for (const c of this.children) c.kill('SIGTERM');
    const timeout = setTimeout(() => {
      for (const c of this.children) c.kill('SIGKILL');
    }, 5000);
    await Promise.all(gone);
    clearTimeout(timeout);
    this.destroySync();
    process.removeListener('exit', this.onExit);
  }

  private destroySync(): void {
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.namespaces.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  }
}
