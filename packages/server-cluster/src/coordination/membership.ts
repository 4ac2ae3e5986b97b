/**
 * Cluster membership (DESIGN §5): each node writes a heartbeat row with a TTL into
 * `cluster_members`; a member is alive while its row has not expired. A node is ready to serve
 * only while at least `minMembers` members are alive (TheHive's `min-nr-of-members` rule), and
 * while its own heartbeats reach Cassandra: a node that cannot write its heartbeat cannot know
 * the quorum, so it reports not ready.
 */
import type { Readiness } from '@waggle/server/src/cluster/readiness.js';
import type { CqlClient } from './cql.js';
import { COORD_QUERY, createCoordinationSchema, withTimeout } from './cql.js';

export interface Member {
  nodeId: string;
  address: string;
  version: string;
  started: Date;
  lastBeat: Date;
}

export interface MembershipOptions {
  /** Unique per node, stable across restarts (e.g. the host name). */
  nodeId: string;
  /** Where other nodes and operators reach this node, e.g. `10.0.0.11:9000`. */
  address: string;
  version: string;
  /** Alive members needed to be ready; half the cluster + 1. */
  minMembers: number;
  /** Interval between heartbeats; default 2000 ms. */
  heartbeatMs?: number;
  /** Lifetime of a heartbeat row; a node missing beats this long is dead. Default 10 s; at least 2 heartbeats. */
  ttlSeconds?: number;
  /** Name of the cluster: its partition in `cluster_members`. Default `waggle`. */
  cluster?: string;
  /** Called when readiness changes. */
  onReadyChange?: (ready: boolean) => void;
  /** Called when a heartbeat fails (the node then reports not ready). */
  onError?: (e: unknown) => void;
}

export interface MembershipStatus {
  ready: boolean;
  minMembers: number;
  alive: Member[];
}

/** Implements the server's Readiness port: set it as `services.readiness` in cluster mode. */
export class Membership implements Readiness {
  private readonly started = new Date();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<MembershipStatus> | undefined;
  private stopped = false;
  /** When the last successful heartbeat was sent; readiness lapses a TTL after it. */
  private lastOk = 0;
  private last: MembershipStatus;
  private readonly cluster: string;
  private readonly ttl: number;

  constructor(
    private readonly client: CqlClient,
    private readonly opts: MembershipOptions,
  ) {
    if (!Number.isInteger(opts.minMembers) || opts.minMembers < 1) throw new Error('cluster.minMembers must be an integer ≥ 1');
    this.cluster = opts.cluster ?? 'waggle';
    this.ttl = opts.ttlSeconds ?? 10;
    this.last = { ready: false, minMembers: opts.minMembers, alive: [] };
  }

  /** Creates the coordination tables (idempotent). */
  async init(): Promise<void> {
    await createCoordinationSchema(this.client);
  }

  /** Beats once, then every `heartbeatMs` until {@link stop}. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.beat();
    this.timer = setInterval(() => {
      // a slow Cassandra must not pile heartbeats up
      if (!this.inFlight) void this.beat();
    }, this.opts.heartbeatMs ?? 2000);
    this.timer.unref();
  }

  /**
   * Writes this node's heartbeat and reads the alive members. Never throws: a failure makes
   * the node not ready and is passed to `onError`.
   */
  async beat(): Promise<MembershipStatus> {
    this.inFlight ??= this.beatOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async beatOnce(): Promise<MembershipStatus> {
    const sent = Date.now();
    try {
      // a heartbeat that hangs (a partition) fails after half the TTL instead of blocking the next ones
      await withTimeout(this.heartbeat(sent), (this.ttl * 1000) / 2, 'heartbeat: no answer from Cassandra');
      const alive = await withTimeout(this.aliveMembers(), (this.ttl * 1000) / 2, 'members: no answer from Cassandra');
      if (this.stopped) return this.last;
      this.lastOk = sent;
      this.update({ ready: alive.length >= this.opts.minMembers, minMembers: this.opts.minMembers, alive });
    } catch (e) {
      if (this.stopped) return this.last;
      this.update({ ready: false, minMembers: this.opts.minMembers, alive: [] });
      this.opts.onError?.(e);
    }
    return this.last;
  }

  private async heartbeat(now: number): Promise<void> {
    await this.client.execute(
      'INSERT INTO cluster_members (cluster, node_id, address, version, started, last_beat) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?',
      [this.cluster, this.opts.nodeId, this.opts.address, this.opts.version, this.started, new Date(now), this.ttl],
      COORD_QUERY,
    );
  }

  private update(next: MembershipStatus): void {
    const changed = next.ready !== this.last.ready;
    this.last = next;
    if (changed) this.opts.onReadyChange?.(next.ready);
  }

  /** The members whose heartbeat has not expired, by node id. Throws when Cassandra cannot answer. */
  async aliveMembers(): Promise<Member[]> {
    const r = await this.client.execute(
      'SELECT node_id, address, version, started, last_beat FROM cluster_members WHERE cluster = ?',
      [this.cluster],
      COORD_QUERY,
    );
    return r.rows.map((row) => ({
      nodeId: String(row.get('node_id')),
      address: String(row.get('address')),
      version: String(row.get('version')),
      started: row.get('started') as Date,
      lastBeat: row.get('last_beat') as Date,
    }));
  }

  /**
   * Whether the node may serve: as of the last heartbeat (false before the first), and only while
   * that heartbeat is younger than the TTL, so a node whose heartbeats hang stops being ready.
   */
  ready(): boolean {
    return this.last.ready && Date.now() - this.lastOk < this.ttl * 1000;
  }

  /** Readiness and the alive members as of the last heartbeat. */
  status(): MembershipStatus {
    return this.last;
  }

  /**
   * Stops the heartbeats. With `leave` (the default) the node's row is deleted so the others
   * see it gone at once; without it the row expires after the TTL, as after a crash.
   */
  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.update({ ready: false, minMembers: this.opts.minMembers, alive: [] });
    if (opts.leave !== false) {
      await this.client.execute('DELETE FROM cluster_members WHERE cluster = ? AND node_id = ?', [this.cluster, this.opts.nodeId], COORD_QUERY);
    }
  }
}
