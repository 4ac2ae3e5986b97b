/**
 * Where the SQLite adapter's writes go: a queue that group-commits them and settles each
 * write's promise only after COMMIT.
 *
 * - `WorkerWriteQueue` (file databases): a writer thread with its own connection does the
 *   inserts and COMMITs, so the main thread keeps serving requests meanwhile; a second thread
 *   runs passive WAL checkpoints, so no COMMIT waits for one. With `synchronous: 'FULL'` the
 *   writer's COMMIT does not fsync: an `fdatasync` of the WAL runs on the libuv pool while the
 *   writer applies the next group, and a group is answered only once an fsync that started after
 *   its COMMIT has returned (`durable-acks.ts`). Trade-off: a reader (the main thread's
 *   connection) may see a commit about one fsync (~2 ms) before it is durable, so a request
 *   could be refused as a duplicate of an alert that a power loss then takes away; nobody is
 *   *acknowledged* before their write is durable. The main thread's connection reads: in WAL
 *   mode it sees every commit the writer acknowledged.
 * - `InThreadWriteQueue` (`:memory:`, which another connection cannot open): the same group
 *   commit on the main connection.
 *
 * Requests cross the thread boundary as a JSON header plus the documents' JSON strings
 * (`toWire`), results as JSON strings (both cheaper than structured clones of nested
 * documents); errors keep their type (`ConflictError`, `NotFoundError`).
 */
import { Worker } from 'node:worker_threads';
import type { Doc } from '../entity-store.js';
import { ConflictError, NotFoundError } from '../../errors/errors.js';
import { toWire, type SqliteWriter, type WireBatch, type WriteOutcome, type WriteRequest } from './sqlite-writer.js';

export interface WriteQueue {
  /** Queues a request; resolves with its value once committed durably, rejects with its error (a failed fsync included). */
  submit(req: WriteRequest): Promise<unknown>;
  /** Commits what is queued and stops. */
  close(): Promise<void>;
}

/** The `workerData` of a writer or checkpointer thread. */
export interface WorkerConfig {
  role: 'writer' | 'checkpointer';
  path: string;
  synchronous: 'FULL' | 'NORMAL';
  /** WAL pages after which the writer checkpoints itself (should the checkpointer fall behind). */
  backstopCheckpointPages: number;
  checkpointIntervalMs: number;
}

export type ToWorker = { kind: 'write'; id: number; req: WireBatch } | { kind: 'close' };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'closed' }
  /** Per request: id, 1 with the JSON of the result or 0 with the JSON of the error. */
  | { kind: 'done'; done: Array<[number, 1 | 0, string]> }
  | { kind: 'fatal'; error: WireError };

export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export function errorToWire(e: unknown): WireError {
  if (e instanceof ConflictError) return { name: 'ConflictError', message: e.message };
  if (e instanceof NotFoundError) return { name: 'NotFoundError', message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** The error a wire error stands for, with its type when it is one the port documents. */
export function errorFromWire(w: WireError): Error {
  if (w.name === 'ConflictError') return new ConflictError(w.message);
  if (w.name === 'NotFoundError') return new NotFoundError(w.message);
  const e = new Error(w.message);
  e.name = w.name;
  if (w.code) Object.assign(e, { code: w.code });
  return e;
}

/** Group commit on the caller's own connection: every write queued in one tick, one COMMIT. */
export class InThreadWriteQueue implements WriteQueue {
  private pending: Array<{ req: WriteRequest; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly writer: SqliteWriter) {}

  submit(req: WriteRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ req, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const work = this.pending;
    this.pending = [];
    if (work.length === 0) return;
    const outcomes: WriteOutcome[] = this.writer.commitGroup(work.map((w) => w.req));
    work.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.error);
    });
  }

  async close(): Promise<void> {
    this.flush();
  }
}

/**
 * A thread running the worker script next to this module: the bundle's sibling when built; the
 * TypeScript source under tsx (tests, benchmarks), whose hooks a worker does not inherit
 * (tsx issue #354), so a small ES module registers them first.
 */
function startWorker(workerData: WorkerConfig): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sqlite-writer.worker.js', import.meta.url), { workerData });
  const source = new URL('./sqlite-writer.worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(source)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData });
}

/** A thread of `sqlite-writer.worker.ts`, started and ready. */
class Thread {
  private closedWaiter: (() => void) | undefined;
  exited = false;

  private constructor(
    readonly worker: Worker,
    private readonly onMessage: (m: FromWorker) => void,
  ) {}

  static start(config: WorkerConfig, onMessage: (m: FromWorker) => void, onExit: (error: Error) => void): Promise<Thread> {
    return new Promise((resolve, reject) => {
      const worker = startWorker(config);
      let ready = false;
      const thread = new Thread(worker, onMessage);
      worker.on('message', (m: FromWorker) => {
        if (m.kind === 'ready') {
          ready = true;
          resolve(thread);
        } else if (m.kind === 'fatal') {
          reject(errorFromWire(m.error));
        } else if (m.kind === 'closed') {
          thread.closedWaiter?.();
        } else thread.onMessage(m);
      });
      worker.on('error', (e) => {
        if (!ready) reject(e);
        else onExit(e);
      });
      worker.on('exit', (code) => {
        thread.exited = true;
        thread.closedWaiter?.();
        if (!ready) reject(new Error(`SQLite ${config.role} thread exited (${code}) before it was ready`));
        else onExit(new Error(`SQLite ${config.role} thread exited (${code})`));
      });
    });
  }

  /** Asks the thread to finish its work and close its connection; resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.closedWaiter = resolve;
      this.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    });
    await this.worker.terminate();
  }
}

export interface WorkerQueueOptions {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
  /**
   * Passive checkpoint period of the checkpointer thread (default 1 s). A page that several
   * commits dirtied between two checkpoints is copied to the database once: alert ingestion wrote
   * 94 kB per alert (WAL and checkpoints) with a checkpoint every 16 group commits (about 250 ms
   * at 2,000 alerts/s), 80 kB with one every 64 (about 1 s); the WAL grows to about 1 s of writes.
   */
  checkpointIntervalMs?: number;
}

/** Writes on a writer thread, checkpoints on another: the main thread never waits for a COMMIT. */
export class WorkerWriteQueue implements WriteQueue {
  private readonly inFlight = new Map<number, { req: WriteRequest; resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private failed: Error | undefined;
  private writer!: Thread;
  private checkpointer!: Thread;

  private constructor() {}

  static async start(options: WorkerQueueOptions): Promise<WorkerWriteQueue> {
    const q = new WorkerWriteQueue();
    const base = {
      path: options.path,
      synchronous: options.synchronous,
      backstopCheckpointPages: 100_000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 1000,
    };
    const onExit = (e: Error): void => q.fail(e);
    q.writer = await Thread.start({ ...base, role: 'writer' }, (m) => q.settle(m), onExit);
    q.checkpointer = await Thread.start(
      { ...base, role: 'checkpointer' },
      () => {},
      () => {},
    );
    return q;
  }

  submit(req: WriteRequest): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.inFlight.set(id, { req, resolve, reject });
      // inserts travel as ready rows: the writer thread, the bottleneck of ingestion, only binds them
      this.writer.worker.postMessage({ kind: 'write', id, req: toWire(req) } satisfies ToWorker);
    });
  }

  private settle(m: FromWorker): void {
    if (m.kind !== 'done') return;
    for (const [id, ok, payload] of m.done) {
      const w = this.inFlight.get(id);
      if (!w) continue;
      this.inFlight.delete(id);
      if (ok) w.resolve(expand(w.req, JSON.parse(payload)));
      else w.reject(errorFromWire(JSON.parse(payload)));
    }
  }

  /** The writer thread died: nothing in flight is known to be committed. */
  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    for (const w of this.inFlight.values()) w.reject(e);
    this.inFlight.clear();
  }

  async close(): Promise<void> {
    this.failed ??= new Error('The store is closed');
    await this.writer.stop();
    await this.checkpointer.stop();
  }
}

/**
 * Puts back the inserted documents the writer left out of a batch's results: the caller's own
 * new document, now stored with version 1 (no copy: an alert's batch inserts 22 of them).
 */
function expand(req: WriteRequest, value: unknown): unknown {
  if (req.kind !== 'batch') return value;
  return (value as Array<Doc | boolean | 0>).map((v, i) => {
    const op = req.ops[i]!;
    if (op.op !== 'insert') return v;
    const doc = op.doc as Doc;
    doc._version = 1;
    return doc;
  });
}
