/**
 * Test helpers: a Cassandra session on a throw-away keyspace of the server named by
 * `WAGGLE_TEST_CASSANDRA` (contact points, `host[:port]`, comma-separated; start one with
 * `scripts/engines/cassandra.sh start`). Credentials: `WAGGLE_TEST_CASSANDRA_USER` and
 * `WAGGLE_TEST_CASSANDRA_PASSWORD`, default the superuser `cassandra`/`cassandra`; data centre
 * `WAGGLE_TEST_CASSANDRA_DC`, default `datacenter1` (the same variables as the EntityStore suite).
 */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import cassandra from 'cassandra-driver';
import type { CqlClient } from './cql.js';

export const cassandraContactPoints = process.env.WAGGLE_TEST_CASSANDRA;
const DC = process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1';

/** The reason to skip when no test Cassandra is configured, else false. */
export const skipWithoutCassandra: string | false = cassandraContactPoints
  ? false
  : 'WAGGLE_TEST_CASSANDRA is not set: no Cassandra to test against (start one with scripts/engines/cassandra.sh start)';

function client(keyspace?: string): cassandra.Client {
  return new cassandra.Client({
    contactPoints: (cassandraContactPoints ?? '').split(',').map((s) => s.trim()),
    localDataCenter: DC,
    credentials: {
      username: process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra',
      password: process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra',
    },
    ...(keyspace ? { keyspace } : {}),
  });
}

export interface TestKeyspace {
  name: string;
  /** Opens another session on the keyspace (one per simulated node); closed by `drop`. */
  session(): Promise<cassandra.Client>;
  /** Drops the keyspace and closes every session. */
  drop(): Promise<void>;
}

/** Creates a fresh keyspace with replication `rf` (default 1: one test node; 3 on the 3-node test cluster). */
export async function testKeyspace(prefix: string, rf = 1): Promise<TestKeyspace> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = client();
  await admin.connect();
  await admin.execute(`CREATE KEYSPACE IF NOT EXISTS ${name} WITH replication = {'class': 'NetworkTopologyStrategy', '${DC}': ${rf}}`);
  const sessions: cassandra.Client[] = [];
  return {
    name,
    async session() {
      const c = client(name);
      await c.connect();
      sessions.push(c);
      return c;
    },
    async drop() {
      for (const c of sessions) await c.shutdown();
      await admin.execute(`DROP KEYSPACE IF EXISTS ${name}`);
      await admin.shutdown();
    },
  };
}

/** Polls `cond` every 100 ms until it holds; fails with `what` after `timeoutMs` (a deadline, not a measurement). */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Inside a describe: creates a keyspace before its tests and drops it after; returns a getter for it. */
export function useTestKeyspace(prefix: string, rf = 1): () => TestKeyspace {
  let ks: TestKeyspace | undefined;
  before(async () => {
    ks = await testKeyspace(prefix, rf);
  });
  after(async () => {
    await ks?.drop();
  });
  return () => {
    if (!ks) throw new Error('the test keyspace is created in a before hook');
    return ks;
  };
}

/** A client that forwards to `session` until `hang()`; from then on its requests never answer (a partition). */
export function hangable(session: CqlClient): { client: CqlClient; hang: () => void } {
  let hung = false;
  return {
    client: { execute: (query, params, options) => (hung ? new Promise<never>(() => undefined) : session.execute(query, params, options)) },
    hang: () => {
      hung = true;
    },
  };
}
