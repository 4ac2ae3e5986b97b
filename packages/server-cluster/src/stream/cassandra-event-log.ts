/**
 * The live stream across the cluster (DESIGN §5): the server's EventRelay port on a Cassandra
 * event log. Every node appends its committed audit records to `cluster_events`, partitioned by
 * 10-second bucket and ordered by a time UUID, with a TTL of minutes; every node tails the table
 * every `pollMs` (250 ms) and hands the other nodes' records to its stream listeners.
 *
 * - **Order per node:** a node writes its records one batch at a time (the next only after
 *   Cassandra acknowledged the previous at LOCAL_QUORUM) with increasing time UUIDs, and a
 *   LOCAL_QUORUM read sees every acknowledged write: a reader never gets a node's later record
 *   before an earlier one.
 * - **Once:** each poll reads from the start of the previous poll minus `overlapMs` (late
 *   writes, clock skew between nodes) and skips the ids it already delivered.
 * - **Clock skew:** a writer up to `overlapMs` behind the reader is still read; a writer ahead is
 *   read when the reader's clock reaches its bucket (the window also covers `overlapMs` ahead).
 * - **Node loss:** the log is in Cassandra (replication factor 3): a dead node's records written
 *   before it died are delivered; those still queued in its memory are lost to the other nodes
 *   (the stream is a notification channel: clients refetch what they show).
 * - A reader that cannot reach Cassandra retries from where it stopped, up to the TTL.
 */
import cassandra from 'cassandra-driver';
import type { EventRelay } from '@waggle/server/src/cluster/event-relay.js';
import type { Doc } from '@waggle/server/src/storage/entity-store.js';
import { LOCAL_QUORUM, type CqlQueryOptions, type CqlRow } from '../coordination/cql.js';

/** The slice of the driver's `Client` the event log uses (STYLE habit 6). */
export interface EventLogClient {
  execute(
    query: string,
    params?: unknown[],
    options?: CqlQueryOptions & { fetchSize?: number; pageState?: string },
  ): Promise<{ rows: CqlRow[]; pageState?: string | null }>;
  batch(queries: Array<{ query: string; params: unknown[] }>, options: CqlQueryOptions & { logged?: boolean }): Promise<unknown>;
}

export const BUCKET_MS = 10_000;

/** The event log table (created with the coordination tables). */
export const EVENT_LOG_SCHEMA = `CREATE TABLE IF NOT EXISTS cluster_events (
  bucket bigint, ts timeuuid, id text, node text, doc text,
  PRIMARY KEY ((bucket), ts, id))
  WITH default_time_to_live = 600 AND gc_grace_seconds = 600
  AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'MINUTES', 'compaction_window_size': 10}`;

export interface EventLogOptions {
  /** This node: its own records are skipped when reading (they were published locally). */
  nodeId: string;
  /** Interval between two reads of the log; default 250 ms. */
  pollMs?: number;
  /** How far each read reaches back before the previous one (and ahead of now); default 2000 ms. */
  overlapMs?: number;
  /** Records waiting to be written beyond this are dropped (reported); default 10,000. */
  maxQueue?: number;
  /** Failures to write or read the log (retried). */
  onError?: (what: string, e: unknown) => void;
  /** This node's clock (tests give nodes skewed clocks); default `Date.now`. */
  clock?: () => number;
}

interface Pending {
  id: string;
  doc: string;
}

const QUERY: CqlQueryOptions = { prepare: true, consistency: LOCAL_QUORUM };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

export class CassandraEventLog implements EventRelay {
  private readonly pollMs: number;
  private readonly overlapMs: number;
  private readonly maxQueue: number;
  private readonly now: () => number;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private stopped = false;
  private deliver: ((audits: Doc[]) => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Start of the last successful read, on this node's clock. */
  private lastRead = 0;
  /** Ids delivered (or skipped) with their log time, kept while a read can still return them. */
  private readonly seen = new Map<string, number>();
  /** Time UUIDs of this node's records: increasing, also within one millisecond. */
  private lastMs = 0;
  private ticks = 0;

  constructor(
    private readonly client: EventLogClient,
    private readonly opts: EventLogOptions,
  ) {
    this.pollMs = opts.pollMs ?? 250;
    this.overlapMs = opts.overlapMs ?? 2000;
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.now = opts.clock ?? Date.now;
  }

  /** Creates the table (idempotent). */
  async init(): Promise<void> {
    await this.client.execute(EVENT_LOG_SCHEMA, [], { consistency: LOCAL_QUORUM });
  }

  send(audits: readonly Doc[]): void {
    if (this.stopped) return;
    for (const a of audits) this.queue.push({ id: a._id, doc: JSON.stringify(a) });
    const over = this.queue.length - this.maxQueue;
    if (over > 0) {
      this.queue.splice(0, over);
      this.opts.onError?.('event log', new Error(`${over} stream events dropped: the event log is not writable`));
    }
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
  }

  start(deliver: (audits: Doc[]) => void): void {
    this.deliver = deliver;
    this.lastRead = this.now();
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    await this.polling;
    // what was committed here still reaches the others, unless Cassandra is away (bounded wait)
    await Promise.race([this.writing, sleep(5000)]);
  }

  /** Writes the queue in order, one batch at a time; a failed batch is retried (for about 30 s) before being dropped. */
  private async drain(): Promise<void> {
    while (this.queue.length) {
      // one partition per batch is one mutation: no batch size limit, but keep it well under the mutation size limit
      let n = 0;
      for (let bytes = 0; n < this.queue.length && n < 200 && bytes < 1_000_000; n++) bytes += this.queue[n]!.doc.length;
      const take = this.queue.splice(0, n);
      const rows = take.map((p) => ({ ...p, ts: this.nextTimeUuid() }));
      const byBucket = new Map<number, typeof rows>();
      for (const r of rows) {
        const b = Math.floor(r.ts.getDate().getTime() / BUCKET_MS);
        byBucket.set(b, [...(byBucket.get(b) ?? []), r]);
      }
      for (const [bucket, part] of [...byBucket].sort((x, y) => x[0] - y[0])) {
        const queries = part.map((r) => ({
          query: 'INSERT INTO cluster_events (bucket, ts, id, node, doc) VALUES (?, ?, ?, ?, ?)',
          params: [cassandra.types.Long.fromNumber(bucket), r.ts, r.id, this.opts.nodeId, r.doc],
        }));
        for (let attempt = 1; ; attempt++) {
          try {
            // one partition: the unlogged batch is applied atomically and in isolation
            await this.client.batch(queries, { ...QUERY, logged: false });
            break;
          } catch (e) {
            this.opts.onError?.('event log write', e);
            if (attempt >= 60 || (this.stopped && attempt >= 3)) break;
            await sleep(500);
          }
        }
      }
    }
  }

  private nextTimeUuid(): cassandra.types.TimeUuid {
    const now = this.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.ticks = 0;
    } else if (++this.ticks > 9999) {
      // 10,000 records in one millisecond: borrow the next one
      this.lastMs++;
      this.ticks = 0;
    }
    return cassandra.types.TimeUuid.fromDate(new Date(this.lastMs), this.ticks);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.schedulePoll();
      });
    }, this.pollMs);
    this.pollTimer.unref();
  }

  /**
   * Reads the log from the previous read minus the overlap, and delivers the records not seen
   * yet. The overlap (already read once) is read without the documents: a record found there for
   * the first time (a late write, a writer whose clock is behind) is then fetched by its key.
   */
  async poll(): Promise<void> {
    const started = this.now();
    // after a long outage, no further back than the rows can live
    const mark = Math.max(this.lastRead, started - 590_000);
    const from = mark - this.overlapMs;
    const to = started + this.overlapMs;
    const late: Doc[] = [];
    const fresh: Doc[] = [];
    try {
      for (let b = Math.floor(from / BUCKET_MS); b <= Math.floor(mark / BUCKET_MS); b++) {
        const bucket = cassandra.types.Long.fromNumber(b);
        const missed: CqlRow[] = [];
        await this.scan(
          'SELECT ts, id, node FROM cluster_events WHERE bucket = ? AND ts > minTimeuuid(?) AND ts < minTimeuuid(?)',
          [bucket, new Date(from), new Date(mark)],
          (row) => {
            // another node's record is marked seen only once its document is fetched
            if (row.get('node') !== this.opts.nodeId) {
              if (!this.seen.has(String(row.get('id')))) missed.push(row);
            } else this.firstSight(row);
          },
        );
        for (const row of missed) {
          const rs = await this.client.execute(
            'SELECT doc FROM cluster_events WHERE bucket = ? AND ts = ? AND id = ?',
            [bucket, row.get('ts'), row.get('id')],
            QUERY,
          );
          const doc = rs.rows[0]?.get('doc');
          if (this.firstSight(row) && typeof doc === 'string') late.push(JSON.parse(doc) as Doc);
        }
      }
      for (let b = Math.floor(mark / BUCKET_MS); b <= Math.floor(to / BUCKET_MS); b++) {
        await this.scan(
          'SELECT ts, id, node, doc FROM cluster_events WHERE bucket = ? AND ts >= minTimeuuid(?)',
          [cassandra.types.Long.fromNumber(b), new Date(mark)],
          (row) => {
            if (this.firstSight(row)) fresh.push(JSON.parse(String(row.get('doc'))) as Doc);
          },
        );
      }
    } catch (e) {
      // delivered what was read; the next poll starts from the same point and skips it
      this.opts.onError?.('event log read', e);
      this.emit([...late, ...fresh]);
      return;
    }
    this.lastRead = started;
    this.emit([...late, ...fresh]);
    // ids older than any future read's lower bound can be forgotten
    const floor = started - 2 * this.overlapMs;
    for (const [id, at] of this.seen) if (at < floor) this.seen.delete(id);
  }

  /** Records a row as seen; true when it is another node's record not delivered yet. */
  private firstSight(row: CqlRow): boolean {
    const id = String(row.get('id'));
    if (this.seen.has(id)) return false;
    this.seen.set(id, (row.get('ts') as cassandra.types.TimeUuid).getDate().getTime());
    return row.get('node') !== this.opts.nodeId;
  }

  /** Runs a read over every page, in clustering order. */
  private async scan(query: string, params: unknown[], onRow: (row: CqlRow) => void): Promise<void> {
    let pageState: string | undefined;
    do {
      const rs = await this.client.execute(query, params, { ...QUERY, fetchSize: 2000, ...(pageState ? { pageState } : {}) });
      for (const row of rs.rows) onRow(row);
      pageState = rs.pageState ?? undefined;
    } while (pageState && !this.stopped);
  }

  private emit(out: Doc[]): void {
    if (out.length && !this.stopped) this.deliver?.(out);
  }
}
