/**
 * The live event stream. Every audit record committed on this node is published here; listeners
 * (the stream endpoint) filter by visibility before sending.
 *
 * In a cluster an {@link EventRelay} is attached: this node's records are sent to the other
 * nodes, and theirs arrive here. A listener chooses its scope: `local` (the default) gets only
 * the records committed on this node, which is what listeners that react with a write need
 * (connector auto-run, default dashboards), else every node would act on each event; `cluster`
 * gets every node's records, which is what stream clients need.
 */
import type { Doc } from '../storage/entity-store.js';
import type { EventRelay } from '../cluster/event-relay.js';

export type AuditListener = (audit: Doc) => void;

/** `local`: records committed on this node; `cluster`: those of every node (the live stream). */
export type EventScope = 'local' | 'cluster';

export class EventBus {
  private readonly local = new Set<AuditListener>();
  private readonly cluster = new Set<AuditListener>();
  private relay: EventRelay | undefined;

  /** Registers a listener (scope `local` unless told); returns the function that removes it. */
  subscribe(listener: AuditListener, opts: { scope?: EventScope } = {}): () => void {
    const set = opts.scope === 'cluster' ? this.cluster : this.local;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Publishes records committed on this node: to every listener, and to the other nodes through the relay. */
  publish(audits: readonly Doc[]): void {
    for (const a of audits) {
      for (const l of this.local) l(a);
      for (const l of this.cluster) l(a);
    }
    if (audits.length) this.relay?.send(audits);
  }

  /**
   * Connects a cluster relay (once, at start): other nodes' records then reach the `cluster`
   * listeners only.
   */
  attach(relay: EventRelay): void {
    if (this.relay) throw new Error('an event relay is already attached');
    this.relay = relay;
    relay.start((audits) => {
      for (const a of audits) for (const l of this.cluster) l(a);
    });
  }

  get size(): number {
    return this.local.size + this.cluster.size;
  }
}
