/**
 * First-in first-out job queue with bounded concurrency. Jobs are persisted by the caller
 * (status `Waiting`) before they are queued, so the queue itself holds only ids; the handler
 * is idempotent (it ignores a job that is no longer Waiting) and must not throw.
 */
export type JobHandler<P> = (payload: P) => Promise<void>;

export class JobQueue<P> {
  private readonly waiting: P[] = [];
  private head = 0;
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handler: JobHandler<P>,
    private readonly concurrency: number,
    private readonly onError: (e: unknown, payload: P) => void = () => undefined,
  ) {}

  /** Queues a payload; it runs once every earlier one has started and a slot is free. */
  push(payload: P): void {
    this.waiting.push(payload);
    this.pump();
  }

  /** Jobs queued and not started. */
  get pending(): number {
    return this.waiting.length - this.head;
  }

  /** Jobs running now. */
  get active(): number {
    return this.running;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.head < this.waiting.length) {
      const payload = this.waiting[this.head++] as P;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.running++;
      void this.handler(payload)
        .catch((e: unknown) => this.onError(e, payload))
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.pending === 0) {
            const w = this.idleWaiters;
            this.idleWaiters = [];
            for (const r of w) r();
          }
        });
    }
  }
}
