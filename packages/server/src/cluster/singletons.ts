/**
 * The Singletons port (DESIGN §5): periodic jobs that must run on exactly one node of a cluster.
 * Every node calls `runSingleton` at start with the same name; a single node simply runs the job
 * ({@link LocalSingletons}); in a cluster, `ClusterCoordinator` of `@waggle/server-cluster` runs it
 * on the one node holding the job's lease (Cassandra lightweight transactions), and the lease
 * moves when that node dies or stops renewing.
 *
 * Jobs on it today: the Cortex connector poller (`analysis/connector/connector.service.ts`,
 * `cortex-poller`) and the cluster store's index repair (`server.ts`, `index-repair`). Feeders
 * and MISP polling belong here too: give each feed its own name, e.g.
 *
 *   const h = services.singletons.runSingleton(`misp-feed:${feed.name}`, (signal) => pollFeed(feed, signal), { everyMs: 60_000 });
 *   ...
 *   await h.stop();
 *
 * A task must be idempotent (after a lease moves, the next holder may redo part of the last run)
 * and must stop promptly when its signal aborts: then this node no longer holds the lease, and
 * another may already be running the job.
 */

/** One run of a singleton job; `signal` aborts when the node lost its lease or the job is stopped. */
export type SingletonTask = (signal: AbortSignal) => Promise<void>;

export interface SingletonOptions {
  /** Pause between the end of one run and the start of the next; default 1000 ms. */
  everyMs?: number;
}

export interface SingletonHandle {
  /** Stops the job: aborts the run in progress and waits for it, then gives the job up (its lease, in a cluster). */
  stop(): Promise<void>;
}

export interface Singletons {
  /**
   * Runs `task` repeatedly, `everyMs` apart, on exactly one node of the cluster at a time. A
   * task's rejection is reported (not thrown) and the job goes on at the next run.
   * @param name the job's name, the same on every node (the lease name in a cluster)
   */
  runSingleton(name: string, task: SingletonTask, opts?: SingletonOptions): SingletonHandle;
}

/**
 * A single node: every job runs here, the first run `everyMs` after the call (as `setInterval`
 * did), one run at a time. Its timers do not keep the process alive.
 */
export class LocalSingletons implements Singletons {
  constructor(private readonly onError: (name: string, e: unknown) => void = () => undefined) {}

  runSingleton(name: string, task: SingletonTask, opts: SingletonOptions = {}): SingletonHandle {
    const everyMs = opts.everyMs ?? 1000;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    const schedule = (): void => {
      if (abort.signal.aborted) return;
      timer = setTimeout(() => {
        running = task(abort.signal)
          .catch((e: unknown) => this.onError(name, e))
          .finally(() => {
            running = undefined;
            schedule();
          });
      }, everyMs);
      timer.unref();
    };
    schedule();
    return {
      stop: async () => {
        abort.abort(new Error('stopped'));
        clearTimeout(timer);
        await running;
      },
    };
  }
}
