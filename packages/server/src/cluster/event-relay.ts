/**
 * The EventRelay port (DESIGN §5): carries the live stream's audit events between the nodes of
 * a cluster, so that a stream client on node 1 sees what was written through node 3. A single
 * node has none; in a cluster, `CassandraEventLog` of `@waggle/server-cluster` implements it (an
 * event log table that every node writes to and tails). `EventBus.attach` connects it.
 */
import type { Doc } from '../storage/entity-store.js';

export interface EventRelay {
  /**
   * Hands this node's committed audit records to the other nodes. Must not throw nor block the
   * caller (the write is already acknowledged): failures are retried or reported by the relay.
   */
  send(audits: readonly Doc[]): void;
  /**
   * Starts delivering the other nodes' audit records to `deliver`: each once, in the order each
   * node sent them; never this node's own.
   */
  start(deliver: (audits: Doc[]) => void): void;
  /** Stops delivering; resolves once the records sent so far were written or given up. */
  stop(): Promise<void>;
}
