/**
 * `waggle migrate-storage --from sqlite --to cluster` (and back): copies an embedded installation
 * (`<data dir>/waggle.db` + `<data dir>/files`) into the cluster this configuration describes
 * (Cassandra + OpenSearch, files on S3 or the node's data dir), or the cluster into a data dir.
 * See `copy-store.ts` for what is copied and how; this file checks the ground first: arguments,
 * stopped servers, an empty target, then prints the progress and the verification.
 */
import { existsSync, copyFileSync, readdirSync, readlinkSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WaggleConfig } from '../config/config.js';
import { ENTITIES } from '../entities/registry.js';
import { openBlobStore, openEntityStore } from '../server.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { EntityStore } from '../storage/entity-store.js';
import { copyStore, holdsData, type CopyReport } from './copy-store.js';
import type { CliIo } from './io.js';
import { describeError } from './io.js';

export const MIGRATE_USAGE = `Usage: waggle migrate-storage --from <sqlite|cluster> --to <cluster|sqlite> [--data-dir <dir>] [--resume | --force] [--batch <n>]

Copies every document, uniqueness claim, counter and file between an embedded installation and a cluster:
  --from sqlite --to cluster   the embedded installation in --data-dir into the cluster of this configuration
  --from cluster --to sqlite   the cluster of this configuration into --data-dir (a fresh data dir)
  --data-dir <dir>   the embedded installation's data dir (default: dataDir of this configuration)
  --resume           continue after an interruption (the copy is idempotent: one copy of each document)
  --force            copy into a target that already holds data (same ids are replaced)
  --batch <n>        documents per page (default 500)
The configuration is the cluster's (storage.backend: cluster; WAGGLE_CONFIG or waggle.json). Stop every
Waggle server of both sides first: the source is only read, but writes made during the copy would be missed.
`;

type Side = 'sqlite' | 'cluster';

interface Args {
  from: Side;
  to: Side;
  dataDir: string;
  resume: boolean;
  force: boolean;
  batch: number;
}

/** The parsed arguments, or the reason they are refused. */
export function parseMigrateArgs(argv: readonly string[], config: WaggleConfig): Args | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'data-dir': { type: 'string' },
        resume: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        batch: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return (e as Error).message;
  }
  const sides = new Set(['sqlite', 'cluster']);
  if (!values.from || !values.to) return '--from and --to are required';
  if (!sides.has(values.from) || !sides.has(values.to)) return '--from and --to take sqlite or cluster';
  if (values.from === values.to) return '--from and --to must differ (sqlite to cluster, or cluster to sqlite)';
  const batch = values.batch === undefined ? 500 : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) return '--batch takes a whole number from 1 to 10000';
  return {
    from: values.from as Side,
    to: values.to as Side,
    dataDir: resolve(values['data-dir'] ?? config.dataDir),
    resume: values.resume ?? false,
    force: values.force ?? false,
    batch,
  };
}

/** Pids of other processes that hold `file` open (Linux /proc; empty elsewhere or when not allowed to look). */
export function processesHolding(file: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return pids;
  }
  for (const pid of entries) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) {
          pids.push(Number(pid));
          break;
        }
      }
    } catch {
      /* gone, or another user's process */
    }
  }
  return pids;
}

/** The configuration of the embedded side: same settings, SQLite store and local files in `dataDir`. */
function embeddedConfig(config: WaggleConfig, dataDir: string): WaggleConfig {
  const { s3: _s3, cluster: _cluster, ...storage } = config.storage;
  void _s3;
  void _cluster;
  const { cluster: _node, ...rest } = config;
  void _node;
  return { ...rest, dataDir, storage: { ...storage, backend: 'sqlite' } };
}

interface Opened {
  store: EntityStore;
  blobs: BlobStore;
}

/** Schema changes not yet seen by every Cassandra node (a fresh keyspace on a loaded cluster): the store's init is idempotent, so it is run again. */
const SCHEMA_NOT_AGREED = /Unknown CF|unconfigured table|table \S+ does not exist/i;

async function open(config: WaggleConfig, readOnly: boolean): Promise<Opened> {
  const store = await openEntityStore(config, { readOnly });
  for (let attempt = 1; ; attempt++) {
    try {
      await store.init();
      break;
    } catch (e) {
      if (readOnly || attempt >= 3 || !SCHEMA_NOT_AGREED.test(describeError(e))) {
        await store.close().catch(() => undefined);
        throw e;
      }
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
  try {
    const blobs = await openBlobStore(config);
    // a source is only listed and read: its init would create a folder or a bucket and clear stale uploads
    if (!readOnly) await blobs.init();
    return { store, blobs };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

/** Copies `<from>/secret.key` (sessions, sealed API keys) to `<to>` when `<to>` has none. */
function carrySecret(fromDir: string, toDir: string, io: CliIo): void {
  const from = join(fromDir, 'secret.key');
  const to = join(toDir, 'secret.key');
  if (!existsSync(from) || resolve(from) === resolve(to)) return;
  if (!existsSync(to)) {
    copyFileSync(from, to);
    io.err(`secret.key copied to ${toDir} (API keys stay valid); every node of the cluster needs this same file in its data dir.\n`);
  } else if (readFileSync(from, 'utf8').trim() !== readFileSync(to, 'utf8').trim()) {
    io.err(`warning: ${to} differs from ${from}: API keys created before the migration will not work until the target uses the source's secret.key.\n`);
  }
}

function printReport(r: CopyReport, io: CliIo): void {
  const n = (x: number) => x.toLocaleString('en');
  const lines = [`${'type'.padEnd(16)} ${'source'.padStart(10)} ${'target'.padStart(10)} ${'queried'.padStart(10)}`];
  for (const c of r.counts) {
    const ok = c.source === c.target && c.target === c.targetQuery;
    lines.push(`${c.type.padEnd(16)} ${n(c.source).padStart(10)} ${n(c.target).padStart(10)} ${n(c.targetQuery).padStart(10)}${ok ? '' : '   MISMATCH'}`);
  }
  lines.push(`${'claims'.padEnd(16)} ${n(r.claims.source).padStart(10)} ${n(r.claims.target).padStart(10)}`);
  lines.push(`${'files'.padEnd(16)} ${n(r.blobs.source).padStart(10)} ${n(r.blobs.source - r.blobs.missing.length).padStart(10)}`);
  io.out(`${lines.join('\n')}\n`);
}

/** Runs the command; resolves the process exit code (0 done and verified, 1 failed or counts differ, 2 refused). */
export async function migrateStorage(config: WaggleConfig, argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseMigrateArgs(argv, config);
  if (typeof args === 'string') {
    io.err(`waggle migrate-storage: ${args}\n\n${MIGRATE_USAGE}`);
    return 2;
  }
  if (config.storage.backend !== 'cluster' || !config.storage.cluster) {
    io.err(
      'waggle migrate-storage copies between an embedded installation and a cluster, and reads the cluster from the configuration: ' +
        'this one uses the embedded SQLite store (storage.backend: sqlite). Run it with the cluster configuration ' +
        '(WAGGLE_CONFIG=/etc/waggle/waggle.json) and give the embedded installation with --data-dir.\n',
    );
    return 2;
  }
  const db = join(args.dataDir, 'waggle.db');
  if (args.from === 'sqlite' && !existsSync(db)) {
    io.err(`waggle migrate-storage: no embedded installation in ${args.dataDir} (${db} does not exist); give its data dir with --data-dir\n`);
    return 2;
  }
  const holders = existsSync(db) ? processesHolding(realpathSync(db)) : [];
  if (holders.length) {
    io.err(`waggle migrate-storage: ${db} is open in process ${holders.join(', ')} (a running Waggle server?): stop it first.\n`);
    return 2;
  }
  const { runningMembers } = await import('@waggle/server-cluster');
  try {
    const running = await runningMembers(config.storage.cluster.cassandra);
    if (running.length) {
      io.err(`waggle migrate-storage: ${running.length} Waggle node(s) are running on the cluster (${running.join(', ')}): stop them first.\n`);
      return 2;
    }
  } catch (e) {
    io.err(`waggle migrate-storage: ${describeError(e)}\n`);
    return 1;
  }

  io.err(
    `Copying ${args.from === 'sqlite' ? `the embedded installation in ${args.dataDir}` : 'the cluster'} into ${args.to === 'sqlite' ? args.dataDir : 'the cluster'}. Both sides' servers must stay stopped until it ends.\n`,
  );
  const sqliteConfig = embeddedConfig(config, args.dataDir);
  const opened: Opened[] = [];
  try {
    const src = await open(args.from === 'sqlite' ? sqliteConfig : config, true);
    opened.push(src);
    const dst = await open(args.to === 'sqlite' ? sqliteConfig : config, false);
    opened.push(dst);
    const types = [...ENTITIES.keys()];
    const held = await holdsData(dst.store, dst.blobs, types);
    if (held && !args.resume && !args.force) {
      io.err(
        `waggle migrate-storage: the target already holds ${held}. Use --resume to finish an interrupted migration, or --force to copy over existing data.\n`,
      );
      return 2;
    }
    const tty = io.isTTY;
    const started = Date.now();
    const report = await copyStore(src, dst, {
      types,
      batch: args.batch,
      progress: {
        docs: (type, copied, done) => {
          if (!done && !tty) return;
          const line = `${type.padEnd(16)} ${copied.toLocaleString('en')} documents`;
          io.err(tty ? `\r${line}${done ? '\n' : ''}` : `${line}\n`);
        },
        step: (line) => io.err(`${line}\n`),
      },
    });
    if (args.from === 'sqlite') carrySecret(args.dataDir, config.dataDir, io);
    else carrySecret(config.dataDir, args.dataDir, io);
    printReport(report, io);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (!report.verified) {
      io.out(
        `Copied in ${secs} s, but the counts differ (MISMATCH above${report.blobs.missing.length ? `; ${report.blobs.missing.length} files missing` : ''}).\n`,
      );
      return 1;
    }
    io.out(`Copied and verified in ${secs} s.\n`);
    return 0;
  } catch (e) {
    io.err(`\nwaggle migrate-storage: ${describeError(e)}\nNothing was written to the source; run again with --resume to finish.\n`);
    return 1;
  } finally {
    for (const o of opened.reverse()) await o.store.close().catch(() => undefined);
  }
}
