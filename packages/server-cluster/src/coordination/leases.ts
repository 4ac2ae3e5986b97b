/**
 * Leases for singleton jobs (DESIGN §5): connector polling, index repair, feeders. A lease is a
 * row of `cluster_leases` written with Cassandra lightweight transactions (Paxos, LOCAL_SERIAL):
 * `INSERT ... IF NOT EXISTS USING TTL` takes it, `UPDATE ... IF owner = ?` renews it, and it
 * expires by itself when its holder stops renewing. No home-made consensus.
 *
 * `runSingleton` runs a job on whichever node holds its lease. The holder renews every third
 * of the TTL and starts a run only while its lease is confirmed and still has most of its
 * lifetime ahead; when a renewal fails, the run in progress is aborted through its signal.
 */
import type { CqlClient } from './cql.js';
import { COORD_QUERY, createCoordinationSchema, withTimeout } from './cql.js';

export interface LeasesOptions {
  /** The owner written into leases: unique per node. */
  nodeId: string;
  /** Lifetime of a lease without renewal; default 15 s. */
  ttlSeconds?: number;
  /** Called when a renewal or acquisition attempt fails on an error (not on a lost race). */
  onError?: (name: string, e: unknown) => void;
}

export interface SingletonOptions {
  /** Pause between the end of one run and the start of the next on the holder; default 1000 ms. */
  everyMs?: number;
}

export interface SingletonHandle {
  /** Whether this node holds the lease right now. */
  holding(): boolean;
  /**
   * Stops: aborts and awaits the run in progress, then releases the lease (unless
   * `release: false`, which leaves it to expire as a crash would).
   */
  stop(opts?: { release?: boolean }): Promise<void>;
}

/** A singleton job: `signal` aborts when the lease is lost or the handle stopped. */
export type SingletonTask = (signal: AbortSignal) => Promise<void>;

export class Leases {
  private readonly ttl: number;

  constructor(
    private readonly client: CqlClient,
    private readonly opts: LeasesOptions,
  ) {
    this.ttl = opts.ttlSeconds ?? 15;
    if (!Number.isInteger(this.ttl) || this.ttl < 1) throw new Error('lease TTL must be a whole number of seconds ≥ 1');
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  get ttlSeconds(): number {
    return this.ttl;
  }

  /** Creates the coordination tables (idempotent). */
  async init(): Promise<void> {
    await createCoordinationSchema(this.client);
  }

  /** Takes the lease if free, or renews it if this node already holds it. True when held afterwards. */
  async acquire(name: string): Promise<boolean> {
    const r = await this.client.execute(
      'INSERT INTO cluster_leases (name, owner, acquired) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?',
      [name, this.opts.nodeId, new Date(), this.ttl],
      COORD_QUERY,
    );
    if (r.wasApplied()) return true;
    // not applied: the current row comes back; it may be ours (a restart with the same node id)
    if (r.rows[0]?.get('owner') === this.opts.nodeId) return this.renew(name);
    return false;
  }

  /** Extends the lease by a full TTL if this node holds it. False when another node holds it or it expired. */
  async renew(name: string): Promise<boolean> {
    const r = await this.client.execute(
      'UPDATE cluster_leases USING TTL ? SET owner = ? WHERE name = ? IF owner = ?',
      [this.ttl, this.opts.nodeId, name, this.opts.nodeId],
      COORD_QUERY,
    );
    return r.wasApplied();
  }

  /** Gives the lease up if this node holds it; true when it did. */
  async release(name: string): Promise<boolean> {
    const r = await this.client.execute('DELETE FROM cluster_leases WHERE name = ? IF owner = ?', [name, this.opts.nodeId], COORD_QUERY);
    return r.wasApplied();
  }

  /** The node holding the lease, or null when nobody does. */
  async holder(name: string): Promise<string | null> {
    const r = await this.client.execute('SELECT owner FROM cluster_leases WHERE name = ?', [name], {
      ...COORD_QUERY,
      // read through Paxos so that an in-progress acquisition is seen
      consistency: COORD_QUERY.serialConsistency,
    });
    const owner = r.rows[0]?.get('owner');
    return typeof owner === 'string' ? owner : null;
  }

  /**
   * Runs `task` repeatedly on the one node that holds lease `name`; every node calls this. The
   * holder renews every third of the TTL; the others try to take the lease every `everyMs` (at
   * least 1 s, at most a third of the TTL), so a released lease moves at once and an expired one
   * within that delay. A run starts only while the lease was confirmed less than a third of the
   * TTL ago; a task must stop when its signal aborts.
   */
  runSingleton(name: string, task: SingletonTask, opts: SingletonOptions = {}): SingletonHandle {
    return new SingletonRunner(this, name, task, opts.everyMs ?? 1000, this.opts.onError);
  }
}

class SingletonRunner implements SingletonHandle {
  private held = false;
  /** Time until which a run may start: a third of the TTL after the last confirmation. */
  private startBefore = 0;
  private stopped = false;
  private run: { promise: Promise<void>; abort: AbortController } | undefined;
  private lastRunEnd = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  /** Fires two thirds of the TTL after the last confirmation: the holder stops before the lease can expire for others. */
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Holder: renew every third of the TTL. Others: try to take the lease this often (a released lease is taken at once). */
  private readonly renewMs: number;
  private readonly acquireMs: number;
  private readonly runTimer: NodeJS.Timeout;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly leases: Leases,
    private readonly name: string,
    private readonly task: SingletonTask,
    private readonly everyMs: number,
    private readonly onError: LeasesOptions['onError'],
  ) {
    this.renewMs = (leases.ttlSeconds * 1000) / 3;
    this.acquireMs = Math.min(this.renewMs, Math.max(everyMs, 1000));
    this.runTimer = setInterval(() => this.maybeRun(), Math.min(everyMs, this.renewMs, 250));
    void this.tick();
  }

  holding(): boolean {
    return this.held;
  }

  private tick(): Promise<void> {
    if (this.stopped || this.ticking) return this.ticking ?? Promise.resolve();
    this.ticking = this.refresh().finally(() => {
      this.ticking = undefined;
      if (!this.stopped) this.renewTimer = setTimeout(() => void this.tick(), this.held ? this.renewMs : this.acquireMs);
    });
    return this.ticking;
  }

  private async refresh(): Promise<void> {
    const asked = Date.now();
    let ok = false;
    try {
      // a request that hangs (a partition) counts as a failure after a third of the TTL
      const attempt = this.held ? this.leases.renew(this.name) : this.leases.acquire(this.name);
      ok = await withTimeout(attempt, this.renewMs, `lease ${this.name}: no answer from Cassandra`);
    } catch (e) {
      this.onError?.(this.name, e);
    }
    if (this.stopped) return;
    if (ok) {
      this.held = true;
      this.startBefore = asked + this.renewMs;
      clearTimeout(this.expiryTimer);
      this.expiryTimer = setTimeout(() => this.lose(`lease ${this.name} not confirmed in time`), asked + 2 * this.renewMs - Date.now());
      this.maybeRun();
    } else {
      // lost, never had it, or could not tell: stop working now, another node may take over
      this.lose(`lease ${this.name} lost`);
    }
  }

  private lose(reason: string): void {
    clearTimeout(this.expiryTimer);
    this.held = false;
    this.run?.abort.abort(new Error(reason));
  }

  private maybeRun(): void {
    if (this.stopped || !this.held || this.run) return;
    const now = Date.now();
    if (now >= this.startBefore || now - this.lastRunEnd < this.everyMs) return;
    const abort = new AbortController();
    const promise = this.task(abort.signal)
      .catch((e: unknown) => this.onError?.(this.name, e))
      .finally(() => {
        this.lastRunEnd = Date.now();
        this.run = undefined;
      });
    this.run = { promise, abort };
  }

  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    clearInterval(this.runTimer);
    await this.ticking;
    if (this.run) {
      this.run.abort.abort(new Error('stopped'));
      await this.run.promise;
    }
    if (this.held && opts.release !== false) await this.leases.release(this.name).catch(() => false);
    this.held = false;
  }
}
