/**
 * What a Waggle node's composition root starts in cluster mode (DESIGN §5): its membership
 * (heartbeats; readiness for `/api/status`), its leases (singleton jobs: the server's Singletons
 * port) and the event log that fans the live stream out (the server's EventRelay port), on one
 * Cassandra session, stopped together.
 *
 *   const coord = new ClusterCoordinator(cassandraClient, { nodeId, address, version, minMembers });
 *   await coord.start();
 *   services.readiness = coord;                                 // the server's Readiness port
 *   coord.runSingleton('index-repair', (signal) => repair(signal), { everyMs: 5000 });
 *   ...
 *   await coord.stop();                                         // releases leases, leaves the cluster
 */
import cassandra from 'cassandra-driver';
import type { Readiness } from '@waggle/server/src/cluster/readiness.js';
import type { Singletons } from '@waggle/server/src/cluster/singletons.js';
import { CassandraEventLog, type EventLogClient, type EventLogOptions } from '../stream/cassandra-event-log.js';
import type { CqlClient } from './cql.js';
import { Leases, type SingletonHandle, type SingletonOptions, type SingletonTask } from './leases.js';
import { Membership, type MembershipStatus } from './membership.js';

export interface CoordinatorOptions {
  nodeId: string;
  address: string;
  version: string;
  /** Alive members needed to serve: half the nodes + 1 (TheHive's `min-nr-of-members`). */
  minMembers: number;
  heartbeatMs?: number;
  memberTtlSeconds?: number;
  leaseTtlSeconds?: number;
  /** Failures of heartbeats, lease renewals and singleton runs. */
  onError?: (what: string, e: unknown) => void;
  onReadyChange?: (ready: boolean) => void;
  /** The live stream's event log: read interval and overlap (see {@link CassandraEventLog}). */
  stream?: Pick<EventLogOptions, 'pollMs' | 'overlapMs'>;
}

/** Where the coordination tables live: the cluster store's keyspace (created by its `init()`). */
export interface CoordinatorCassandra {
  contactPoints: readonly string[];
  localDataCenter: string;
  keyspace: string;
  username?: string;
  password?: string;
}

export class ClusterCoordinator implements Readiness, Singletons {
  readonly membership: Membership;
  readonly leases: Leases;
  /** The live stream's relay between nodes; absent when built on a client without batches (tests). */
  readonly events: CassandraEventLog | undefined;
  private readonly singletons: SingletonHandle[] = [];
  private onStop: (() => Promise<void>) | undefined;

  /**
   * Opens its own Cassandra session on `c` and starts: what the composition root calls after the
   * cluster store's `init()` (which creates the keyspace). `stop()` also closes the session.
   */
  static async connect(c: CoordinatorCassandra, opts: CoordinatorOptions): Promise<ClusterCoordinator> {
    const client = new cassandra.Client({
      contactPoints: [...c.contactPoints],
      localDataCenter: c.localDataCenter,
      keyspace: c.keyspace,
      ...(c.username ? { credentials: { username: c.username, password: c.password ?? '' } } : {}),
    });
    await client.connect();
    const coord = new ClusterCoordinator(client, opts, client);
    coord.onStop = () => client.shutdown();
    try {
      await coord.start();
    } catch (e) {
      await client.shutdown();
      throw e;
    }
    return coord;
  }

  constructor(client: CqlClient, opts: CoordinatorOptions, eventLogClient?: EventLogClient) {
    this.membership = new Membership(client, {
      nodeId: opts.nodeId,
      address: opts.address,
      version: opts.version,
      minMembers: opts.minMembers,
      ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
      ...(opts.memberTtlSeconds !== undefined ? { ttlSeconds: opts.memberTtlSeconds } : {}),
      ...(opts.onReadyChange ? { onReadyChange: opts.onReadyChange } : {}),
      onError: (e) => opts.onError?.('heartbeat', e),
    });
    this.leases = new Leases(client, {
      nodeId: opts.nodeId,
      ...(opts.leaseTtlSeconds !== undefined ? { ttlSeconds: opts.leaseTtlSeconds } : {}),
      onError: (name, e) => opts.onError?.(`singleton ${name}`, e),
    });
    this.events = eventLogClient
      ? new CassandraEventLog(eventLogClient, { nodeId: opts.nodeId, ...opts.stream, ...(opts.onError ? { onError: opts.onError } : {}) })
      : undefined;
  }

  /** Creates the coordination tables (idempotent) and starts the heartbeats. */
  async start(): Promise<void> {
    await this.membership.init();
    await this.events?.init();
    await this.membership.start();
  }

  ready(): boolean {
    return this.membership.ready();
  }

  status(): MembershipStatus {
    return this.membership.status();
  }

  /** Runs `task` on the one node holding lease `name` (see {@link Leases.runSingleton}); stopped by {@link stop}. */
  runSingleton(name: string, task: SingletonTask, opts?: SingletonOptions): SingletonHandle {
    const h = this.leases.runSingleton(name, task, opts);
    this.singletons.push(h);
    return h;
  }

  /**
   * Stops the singleton jobs (releasing their leases, so other nodes take over at once) and the
   * event log (after writing what is queued), then leaves the cluster.
   */
  async stop(): Promise<void> {
    await Promise.all(this.singletons.splice(0).map((h) => h.stop()));
    await this.events?.stop();
    await this.membership.stop();
    await this.onStop?.();
  }
}
