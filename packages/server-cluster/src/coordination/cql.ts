/**
 * The slice of the Cassandra driver that coordination uses (STYLE habit 6): a
 * `cassandra-driver` `Client` satisfies it, and a fake is a few lines.
 */

export interface CqlRow {
  get(column: string): unknown;
}

export interface CqlResult {
  rows: CqlRow[];
  /** For a lightweight transaction (`IF ...`): whether its condition held and the write was applied. */
  wasApplied(): boolean;
}

export interface CqlQueryOptions {
  prepare?: boolean;
  consistency?: number;
  serialConsistency?: number;
}

export interface CqlClient {
  execute(query: string, params?: unknown[], options?: CqlQueryOptions): Promise<CqlResult>;
}

/** `types.consistencies.localQuorum` of the driver. */
export const LOCAL_QUORUM = 0x06;
/** `types.consistencies.localSerial` of the driver: the Paxos phase of a lightweight transaction. */
export const LOCAL_SERIAL = 0x09;

/** Options of every coordination statement: prepared, LOCAL_QUORUM, LOCAL_SERIAL for conditions. */
export const COORD_QUERY: CqlQueryOptions = { prepare: true, consistency: LOCAL_QUORUM, serialConsistency: LOCAL_SERIAL };

/** The coordination tables, created idempotently in the configured keyspace. */
export const COORDINATION_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS cluster_members (
     cluster text, node_id text, address text, version text, started timestamp, last_beat timestamp,
     PRIMARY KEY (cluster, node_id))`,
  `CREATE TABLE IF NOT EXISTS cluster_leases (name text PRIMARY KEY, owner text, acquired timestamp)`,
] as const;

/** Creates the coordination tables (idempotent). */
export async function createCoordinationSchema(client: CqlClient): Promise<void> {
  for (const stmt of COORDINATION_SCHEMA) await client.execute(stmt, [], { consistency: LOCAL_QUORUM });
}

/** `p`, or a rejection after `ms` (the promise itself keeps running). */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
