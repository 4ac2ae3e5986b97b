/**
 * The live event stream. Every audit record written is published here; listeners (the
 * stream endpoint) filter by visibility before sending. In a cluster the bus is fed from
 * the shared audit log so that every node sees every event.
 */
import type { Doc } from '../storage/entity-store.js';

export type AuditListener = (audit: Doc) => void;

export class EventBus {
  private readonly listeners = new Set<AuditListener>();

  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(audits: readonly Doc[]): void {
    for (const a of audits) for (const l of this.listeners) l(a);
  }

  get size(): number {
    return this.listeners.size;
  }
}
