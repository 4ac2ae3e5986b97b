// CPU time per thread of a process, from Linux /proc: a measure that does not depend on how busy
// the (shared) machine is. `snapshot(pid)` reads utime+stime of every thread and the process's
// I/O counters; `cpuDelta(before, after, roles)` gives per-role CPU ms between two snapshots.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux (getconf CLK_TCK)

/** utime + stime of one thread in ms, or undefined once it has gone. */
function threadCpuMs(pid, tid) {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // the fields after the ")" that closes comm: state is field 3, utime 14, stime 15
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** Bytes and calls of the process's I/O (`/proc/<pid>/io`), or {} if unreadable. */
function io(pid) {
  try {
    const out = {};
    for (const line of readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n')) {
      const [k, v] = line.split(':');
      out[k.trim()] = Number(v);
    }
    return out;
  } catch {
    return {};
  }
}

export function snapshot(pid) {
  const threads = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const ms = threadCpuMs(pid, tid);
    if (ms !== undefined) threads.set(Number(tid), ms);
  }
  return { threads, io: io(pid) };
}

/**
 * CPU ms per role between two snapshots. `roles` maps a tid to a name (the main thread is the
 * pid); threads without a role are summed as `other` (V8 platform and GC helpers, libuv pool,
 * inspector). Threads that exited between the snapshots are not counted.
 */
export function cpuDelta(pid, before, after, roles = new Map()) {
  const byRole = { main: 0 };
  const others = [];
  for (const [tid, ms] of after.threads) {
    const d = ms - (before.threads.get(tid) ?? 0);
    const role = tid === pid ? 'main' : (roles.get(tid) ?? 'other');
    byRole[role] = (byRole[role] ?? 0) + d;
    if (role === 'other' && d > 0) others.push({ tid, ms: d });
  }
  byRole.other ??= 0;
  const total = Object.values(byRole).reduce((a, b) => a + b, 0);
  const dio = {};
  for (const k of ['write_bytes', 'syscw', 'wchar']) if (k in after.io && k in before.io) dio[k] = after.io[k] - before.io[k];
  return { byRole, total, others: others.sort((a, b) => b.ms - a.ms), io: dio };
}

/** The roles the SQLite adapter's threads wrote to `file` (`WAGGLE_BENCH_THREADS_FILE`): "role tid" lines. */
export function readRoles(file) {
  const roles = new Map();
  try {
    for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
      const [role, tid] = line.trim().split(/\s+/);
      if ((role === 'writer' || role === 'checkpointer') && tid) roles.set(Number(tid), role);
    }
  } catch {
    /* no file: every thread but the main one counts as other */
  }
  return roles;
}

/** The SQLite writer's counts, written when it closed: `{ groups, requests, perGroup, fsyncs }` or undefined. */
export function readWriterGroups(file) {
  try {
    const m = /^groups (\d+) requests (\d+)(?: fsyncs (\d+))?$/m.exec(readFileSync(file, 'utf8'));
    if (!m) return undefined;
    const [groups, requests] = [Number(m[1]), Number(m[2])];
    return { groups, requests, perGroup: Math.round((requests / Math.max(1, groups)) * 10) / 10, ...(m[3] ? { fsyncs: Number(m[3]) } : {}) };
  } catch {
    return undefined;
  }
}

/** Per-alert figures (µs of CPU, bytes) from a delta and an alert count. */
export function perAlert(delta, alerts, clientCpuUs) {
  const us = (ms) => Math.round((ms * 1000) / alerts);
  const server = Object.fromEntries(Object.entries(delta.byRole).map(([k, v]) => [k, us(v)]));
  const out = { alerts, serverUs: { ...server, total: us(delta.total) } };
  if (clientCpuUs !== undefined) {
    out.loadGeneratorUs = Math.round(clientCpuUs / alerts);
    out.totalUs = out.serverUs.total + out.loadGeneratorUs;
  }
  if (delta.io.write_bytes !== undefined) out.writeBytes = Math.round(delta.io.write_bytes / alerts);
  if (delta.io.syscw !== undefined) out.writeCalls = Math.round((delta.io.syscw / alerts) * 10) / 10;
  return out;
}
