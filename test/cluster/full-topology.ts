/**
 * What the full-topology cluster tests share (issue 7, done-when 2 and 3): when they may run, and
 * small HTTP helpers through HAProxy.
 *
 * They run only when `WAGGLE_TEST_CLUSTER=full` is set (the CI's 3-node step sets it) on a
 * 3-node Cassandra (127.0.0.1..3) with OpenSearch, HAProxy installed and MinIO built: the fault
 * suite kills and restarts engine nodes, which must never happen under another suite by surprise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/server-process.js';

/** The skip reason of a full-topology test, or false when it may run. */
export function fullTopologySkip(): string | false {
  if (process.env.WAGGLE_TEST_CLUSTER !== 'full') {
    return 'full 3-node topology test: set WAGGLE_TEST_CLUSTER=full with a 3-node Cassandra (WAGGLE_CASSANDRA_NODES=3 scripts/engines/with-engines.sh cassandra opensearch -- ...)';
  }
  if (!process.env.WAGGLE_TEST_CASSANDRA || !process.env.WAGGLE_TEST_OPENSEARCH) return 'needs WAGGLE_TEST_CASSANDRA and WAGGLE_TEST_OPENSEARCH';
  const nodesFile = join(ROOT, '.engines/run/cassandra/nodes');
  if (!existsSync(nodesFile) || readFileSync(nodesFile, 'utf8').trim() !== '3') {
    return 'Cassandra does not run as 3 nodes here (scripts/engines/cassandra.sh start --nodes 3)';
  }
  if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) return 'haproxy is not installed (scripts/engines/haproxy.sh install)';
  let minio = false;
  try {
    minio = readdirSync(join(ROOT, '.engines/bin')).some((f) => f.startsWith('minio-'));
  } catch {
    minio = false;
  }
  return minio ? false : 'MinIO is not built here: run scripts/engines/minio.sh build';
}

export const basic = (login: string, password = 'secret'): string => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

export interface Answer {
  status: number;
  node: string;
  json: Record<string, unknown>;
  text: string;
}

/** One request through `url` (HAProxy); network failures answer status 0 instead of throwing. */
export async function api(url: string, auth: string, method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<Answer> {
  try {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    return { status: r.status, node: r.headers.get('x-waggle-node') ?? '?', json, text };
  } catch (e) {
    return { status: 0, node: '?', json: {}, text: String((e as Error)?.message ?? e) };
  }
}
