/**
 * The SQLite writer thread (`node:worker_threads`). Role `writer`: its own connection runs the
 * write requests the main thread posts, group-committed (every request that arrived while the
 * previous COMMIT ran goes into the next transaction), and answers each request only once its
 * group is durable: after an fsync of the WAL that started after the group's COMMIT, which runs
 * on the libuv pool while this thread applies the next group (`durable-acks.ts`). Role `checkpointer`: copies the WAL back into the database with passive
 * checkpoints, so that no COMMIT pays for a checkpoint. See `write-queue.ts` for the protocol.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { appendFileSync, closeSync, fdatasync, openSync, readlinkSync } from 'node:fs';
import { DurableAcks } from './durable-acks.js';
import { fromWire, SqliteWriter, type WireBatch, type WriteRequest } from './sqlite-writer.js';
import { errorToWire, type FromWorker, type ToWorker, type WorkerConfig } from './write-queue.js';

const config = workerData as WorkerConfig;
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

/**
 * The writer's COMMITs never fsync (`synchronous=NORMAL`): with `FULL` asked of the store, the
 * writer fsyncs the WAL itself, off its critical path (`DurableAcks`), and answers a group only
 * after that. The checkpointer keeps the store's setting: with NORMAL or FULL alike, a WAL
 * checkpoint fsyncs the WAL before copying frames and the database before the WAL may restart,
 * so a restart never overwrites frames that are not durable in the database file.
 */
function open(synchronous: 'FULL' | 'NORMAL'): Database.Database {
  const db = new Database(config.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  return db;
}

/**
 * `fdatasync` of the WAL file on the libuv pool. The descriptor is opened at the first call (the
 * WAL exists once the writer has committed) and kept: while this connection is open SQLite never
 * deletes or replaces the WAL file (a restart after a checkpoint rewrites it in place), and no
 * SQLite lock lives on it, so this descriptor cannot release one when it is closed.
 */
function walSync(): { sync: () => Promise<void>; close: () => void; readonly count: number } {
  let fd: number | undefined;
  let count = 0;
  return {
    get count() {
      return count;
    },
    sync: () =>
      new Promise<void>((resolve, reject) => {
        count++;
        try {
          fd ??= openSync(`${config.path}-wal`, 'r');
        } catch (e) {
          reject(e);
          return;
        }
        fdatasync(fd, (e) => (e ? reject(e) : resolve()));
      }),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

type Answer = [number, 1 | 0, string];

/** Requests that start a group even while the previous group's fsync is in flight. */
const GROUP_WHILE_SYNCING = 32;

function runWriter(): void {
  const durable = config.synchronous === 'FULL';
  const db = open(durable ? 'NORMAL' : config.synchronous);
  // the checkpointer thread keeps the WAL short; this is only a backstop should it fall behind
  db.pragma(`wal_autocheckpoint = ${config.backstopCheckpointPages}`);
  const writer = new SqliteWriter(db);
  const wal = walSync();
  const acks = new DurableAcks<Answer[]>(
    durable ? wal.sync : () => Promise.resolve(),
    (groups) => {
      post({ kind: 'done', done: groups.flat() });
      schedule();
    },
    (groups, error) => {
      const wire = JSON.stringify(errorToWire(error));
      post({ kind: 'done', done: groups.flat().map(([id]) => [id, 0, wire]) });
      schedule();
    },
  );
  let pending: Array<{ id: number; req: WireBatch }> = [];
  let scheduled = false;
  let groups = 0;
  let grouped = 0;
  /**
   * While the previous group's fsync is in flight, the next group starts only once
   * GROUP_WHILE_SYNCING requests wait (else when the fsync returns): groups stay as large as
   * when COMMIT itself waited for the fsync (most pages a COMMIT writes are shared by the whole
   * group: WAL 96 kB per alert in groups of 4, 56 kB in groups of 32 on the 1M-observable
   * seed), and under a heavier load the next group is applied while the disk works. A lone
   * writer (nothing in flight) is never delayed.
   */
  const schedule = (): void => {
    if (scheduled || pending.length === 0) return;
    if (acks.syncing && pending.length < GROUP_WHILE_SYNCING) return;
    scheduled = true;
    setImmediate(flush);
  };

  const flush = (): void => {
    scheduled = false;
    const work = pending;
    pending = [];
    if (work.length === 0) return;
    groups++;
    grouped += work.length;
    if (acks.failed) {
      // after a failed fsync nothing more is applied: it could not be made durable
      const wire = JSON.stringify(errorToWire(acks.failed));
      post({ kind: 'done', done: work.map((w) => [w.id, 0, wire]) });
      return;
    }
    const requests: WriteRequest[] = [];
    const parsed: Array<{ id: number; index: number } | { id: number; error: unknown }> = [];
    for (const w of work) {
      try {
        requests.push(fromWire(w.req));
        parsed.push({ id: w.id, index: requests.length - 1 });
      } catch (error) {
        parsed.push({ id: w.id, error });
      }
    }
    const outcomes = writer.commitGroup(requests);
    const done: Answer[] = parsed.map((p) => {
      if ('error' in p) return [p.id, 0, JSON.stringify(errorToWire(p.error))];
      const o = outcomes[p.index]!;
      return o.ok ? [p.id, 1, JSON.stringify(compact(requests[p.index]!, o.value))] : [p.id, 0, JSON.stringify(errorToWire(o.error))];
    });
    // failures too wait for the fsync: they may have read a commit that is not yet durable
    acks.committed(done);
  };

  port.on('message', (m: ToWorker) => {
    if (m.kind === 'write') {
      pending.push({ id: m.id, req: m.req });
      schedule();
    } else {
      flush();
      void acks.drained().then(() => {
        recordStats(`groups ${groups} requests ${grouped} fsyncs ${wal.count}`);
        wal.close();
        db.close();
        post({ kind: 'closed' });
        port.close();
      });
    }
  });
  post({ kind: 'ready' });
}

/** Insert results are the inserted documents with `_version: 1`: the main thread has them already, so they travel as 0. */
function compact(req: WriteRequest, value: unknown): unknown {
  if (req.kind !== 'batch') return value;
  return (value as unknown[]).map((v, i) => (req.ops[i]!.op === 'insert' || req.ops[i]!.op === 'insertRow' ? 0 : v));
}

function runCheckpointer(): void {
  const db = open(config.synchronous);
  db.pragma('wal_autocheckpoint = 0');
  const tick = (): void => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      /* busy: next tick */
    }
  };
  const timer = setInterval(tick, config.checkpointIntervalMs);
  port.on('message', (m: ToWorker) => {
    if (m.kind !== 'close') return;
    clearInterval(timer);
    db.close();
    post({ kind: 'closed' });
    port.close();
  });
  post({ kind: 'ready' });
}

/**
 * Benchmarks (`bench/ingest.mjs`) tell the threads apart in /proc by their thread ids: with
 * `WAGGLE_BENCH_THREADS_FILE` set, this thread appends "<role> <tid>" to that file.
 */
function recordThreadId(): void {
  if (!process.env.WAGGLE_BENCH_THREADS_FILE) return;
  try {
    recordStats(`${config.role} ${readlinkSync('/proc/thread-self').split('/').pop()}`);
  } catch {
    /* not Linux: the benchmark counts this thread as "other" */
  }
}

/** Appends a line to `WAGGLE_BENCH_THREADS_FILE` (the writer's group counts at close, too). */
function recordStats(line: string): void {
  const file = process.env.WAGGLE_BENCH_THREADS_FILE;
  if (!file) return;
  try {
    appendFileSync(file, `${line}\n`);
  } catch {
    /* not writable: the benchmark goes without */
  }
}

try {
  recordThreadId();
  if (config.role === 'writer') runWriter();
  else runCheckpointer();
} catch (error) {
  post({ kind: 'fatal', error: errorToWire(error) });
}
