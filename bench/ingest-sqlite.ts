/**
 * The SQLite work of alert ingestion, without threads or HTTP: `SqliteWriter.commitGroup` on
 * one connection of a copy of the seeded database, `--groups` groups of `--group` alerts (the
 * ops `ingest-store.ts` writes, as the writer thread receives them: `prepareInsert` rows). Per
 * alert it reports the time inside the statements (apply), in COMMIT (WAL write + fsync), and
 * the WAL bytes written (automatic checkpoints off, so the WAL only grows). Quick loop for
 * schema and PRAGMA changes; the store-level figure remains `ingest-store.ts`.
 *
 *   node --import tsx bench/ingest-sqlite.ts --db <copy of waggle.db> --org <orgId> [--groups 40] [--group 32]
 *     [--pragma 'cache_size=-262144'] ...
 */
import Database from 'better-sqlite3';
import { closeSync, fdatasync, openSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SqliteEntityStore } from '../packages/server/src/storage/sqlite/sqlite-entity-store.js';
import { prepareInsert, SqliteWriter, type WriteRequest } from '../packages/server/src/storage/sqlite/sqlite-writer.js';
import { alertOps } from './ingest-ops.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    org: { type: 'string' },
    groups: { type: 'string', default: '40' },
    group: { type: 'string', default: '32' },
    observables: { type: 'string', default: '20' },
    pragma: { type: 'string', multiple: true, default: [] },
    /** Leaves the schema as it is in the file (no start-up migration): to try index variants made by hand. */
    'skip-init': { type: 'boolean', default: false },
    /** Groups written (and checkpointed) before the measured ones: the index regions the benchmark grows. */
    warmup: { type: 'string', default: '0' },
    /** Also prints the WAL pages per alert by table or index (reads dbstat: slow on a big file). */
    breakdown: { type: 'boolean', default: false },
    /** A passive checkpoint after every this many measured groups (0: none), as the checkpointer thread does on a timer. */
    'checkpoint-every': { type: 'string', default: '0' },
    /**
     * Experiment (not what the adapter does): COMMIT with synchronous=NORMAL, then fdatasync the WAL
     * on the libuv pool while the next group is applied; a group counts as done when its fsync
     * returned. Measures what overlapping the disk wait with the next group's inserts would give.
     */
    pipelined: { type: 'boolean', default: false },
  },
});
if (!args.db || !args.org) {
  process.stderr.write('usage: node --import tsx bench/ingest-sqlite.ts --db <waggle.db copy> --org <orgId>\n');
  process.exit(2);
}

// the store's start-up (schema migration, indexes) as the server does it, then closed
if (!args['skip-init']) {
  const store = new SqliteEntityStore({ path: args.db, synchronous: 'FULL' });
  await store.init();
  await store.close();
}

const db = new Database(args.db);
let next =
  Number((db.prepare(`SELECT v FROM meta WHERE k = 'idLimit'`).get() as { v: number } | undefined)?.v ?? 0) + 10_000_000 + (process.pid % 4096) * 1_000_000; // per run: a copy may be reused
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('cache_size = -65536');
db.pragma('temp_store = MEMORY');
for (const p of args.pragma) db.pragma(p);
db.pragma('wal_autocheckpoint = 0');
db.pragma('wal_checkpoint(TRUNCATE)');
const writer = new SqliteWriter(db);
const newId = (): string => `~${next++}`;
const walBytes = (): number => {
  try {
    return statSync(`${args.db}-wal`).size;
  } catch {
    return 0;
  }
};

const per = Number(args.group);
let serial = 0;
const group = (): WriteRequest[] => {
  const requests: WriteRequest[] = [];
  for (let i = 0; i < per; i++) {
    const n = serial++;
    const ops = alertOps(newId, args.org!, `sqlite-${process.pid}-${n}`, n, Number(args.observables));
    requests.push({ kind: 'batch', ops: ops.map((op) => (op.op === 'insert' ? prepareInsert(op.doc) : op)) });
  }
  return requests;
};
const apply = (r: WriteRequest): unknown => (writer as unknown as { apply(r: WriteRequest): unknown }).apply(r);
for (let g = 0; g < Number(args.warmup); g++) {
  db.exec('BEGIN IMMEDIATE');
  for (const r of group()) apply(r);
  db.exec('COMMIT');
  if (g % 50 === 49) db.pragma('wal_checkpoint(TRUNCATE)');
}
db.pragma('wal_checkpoint(TRUNCATE)');
const groups = Number(args.groups);
const checkpointEvery = Number(args['checkpoint-every']);
/** Bytes this process caused to be written to storage so far (Linux /proc/self/io `write_bytes`). */
const writtenBytes = (): number => {
  try {
    return Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
};
const written0 = writtenBytes();
let applyMs = 0;
let commitMs = 0;
let commitCpuUs = 0;
const wal0 = walBytes();
if (args.pipelined) db.pragma('synchronous = NORMAL');
const walFd = args.pipelined ? openSync(`${args.db}-wal`, 'r+') : -1;
let syncing: Promise<void> = Promise.resolve();
const tStart = performance.now();
for (let g = 0; g < groups; g++) {
  // the same JSON round trip as the writer thread
  const wire = group().map((r) => JSON.parse(JSON.stringify(r)) as WriteRequest);
  const t0 = performance.now();
  db.exec('BEGIN IMMEDIATE');
  for (const r of wire) apply(r);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  db.exec('COMMIT');
  const c2 = process.cpuUsage(c1);
  const t2 = performance.now();
  commitCpuUs += c2.user + c2.system;
  if (checkpointEvery > 0 && g % checkpointEvery === checkpointEvery - 1) db.pragma('wal_checkpoint(PASSIVE)');
  applyMs += t1 - t0;
  commitMs += t2 - t1;
  if (args.pipelined) {
    // the previous group's fsync must have returned before this one starts (one in flight)
    await syncing;
    syncing = new Promise((resolve, reject) => fdatasync(walFd, (e) => (e ? reject(e) : resolve())));
  }
}
await syncing;
const wallMs = performance.now() - tStart;
if (walFd >= 0) closeSync(walFd);
const alerts = groups * per;
const walPerAlert = (walBytes() - wal0) / alerts;
const writtenPerAlert = (writtenBytes() - written0) / alerts;
const breakdown: Record<string, number> = {};
if (args.breakdown) {
  // WAL frames: a 32-byte header, then per frame a 24-byte header (page number first) and the page
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const wal = readFileSync(`${args.db}-wal`);
  const frames = new Map<number, number>();
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    const pg = wal.readUInt32BE(off);
    frames.set(pg, (frames.get(pg) ?? 0) + 1);
  }
  const owner = new Map<number, string>();
  for (const row of db.prepare(`SELECT name, pageno FROM dbstat`).iterate() as Iterable<{ name: string; pageno: number }>) {
    if (frames.has(row.pageno)) owner.set(row.pageno, row.name);
  }
  for (const [pg, n] of frames) breakdown[owner.get(pg) ?? '(free or overflow)'] = (breakdown[owner.get(pg) ?? '(free or overflow)'] ?? 0) + n;
  for (const k of Object.keys(breakdown)) breakdown[k] = Math.round((breakdown[k] / alerts) * 100) / 100;
}
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
const r = (x: number): number => Math.round(x * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    alerts,
    group: per,
    pragmas: args.pragma,
    applyUsPerAlert: r((applyMs * 1000) / alerts),
    commitUsPerAlert: r((commitMs * 1000) / alerts),
    commitCpuUsPerAlert: r(commitCpuUs / alerts),
    walKBPerAlert: r(walPerAlert / 1024),
    /** WAL and checkpoint writes together, as the kernel counted them. */
    writtenKBPerAlert: r(writtenPerAlert / 1024),
    alertsPerSecond: Math.round(alerts / ((applyMs + commitMs) / 1000)),
    /** Including the last fsync and, when pipelined, the waits for fsyncs (alert generation too). */
    wallAlertsPerSecond: Math.round(alerts / (wallMs / 1000)),
    ...(args.breakdown ? { walPagesPerAlert: Object.fromEntries(Object.entries(breakdown).sort((a, b) => b[1] - a[1])) } : {}),
  })}\n`,
);
