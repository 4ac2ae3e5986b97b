/**
 * Turns Cassandra driver failures at start-up into one clear sentence an operator can act on
 * (TheHive's cluster guide needed a troubleshooting section for exactly these stack traces).
 */
import cassandra from 'cassandra-driver';

/** A start-up problem of the cluster store: configuration or topology, not a bug. */
export class ClusterStoreError extends Error {
  override readonly name = 'ClusterStoreError';
}

interface Inner {
  message?: string;
  constructor?: { name?: string };
}

function innerErrors(e: unknown): Inner[] {
  if (e instanceof cassandra.errors.NoHostAvailableError) return Object.values((e.innerErrors ?? {}) as Record<string, Inner>);
  return [];
}

/** A friendly error for a failure to connect to `contactPoints` as `username`. */
export function connectError(e: unknown, contactPoints: readonly string[], username: string | undefined): Error {
  const inner = innerErrors(e);
  const all = [e, ...inner];
  if (
    all.some((x) => x instanceof cassandra.errors.AuthenticationError || /Provided username .* incorrect|authentication/i.test(String((x as Inner)?.message)))
  ) {
    return new ClusterStoreError(
      `Cassandra authentication failed for user "${username ?? '(none)'}" at ${contactPoints.join(', ')}: check cassandra.username and cassandra.password (the role must exist and may log in)`,
    );
  }
  if (e instanceof cassandra.errors.NoHostAvailableError) {
    const reasons = inner.map((x) => x.message).filter(Boolean);
    return new ClusterStoreError(
      `Cassandra is not reachable at ${contactPoints.join(', ')} (native port): ${reasons.join('; ') || 'no host answered'}; check cassandra.contactPoints and that the nodes are up`,
    );
  }
  return new ClusterStoreError(`Cassandra connection failed at ${contactPoints.join(', ')}: ${(e as Error)?.message ?? String(e)}`);
}

/** A friendly error when `keyspace` wants more replicas than there are nodes up. */
export function replicationError(keyspace: string, rf: number, up: number, dc: string): ClusterStoreError {
  return new ClusterStoreError(
    `Cassandra keyspace "${keyspace}" has replication_factor ${rf} in data center "${dc}" but only ${up} node${up === 1 ? ' is' : 's are'} up: ` +
      `LOCAL_QUORUM needs ${Math.floor(rf / 2) + 1}. Start the missing nodes, or lower cassandra.replicationFactor ` +
      `(ALTER KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', '${dc}': ${up}}) and do the same for system_auth`,
  );
}

/** Whether a driver error is a lost LWT race or contention worth retrying. */
export function isRetryableLwt(e: unknown): boolean {
  if (e instanceof cassandra.errors.OperationTimedOutError) return true;
  if (e instanceof cassandra.errors.ResponseError) {
    const c = e.code;
    // 0x1100 write timeout (CAS contention), 0x1200 read timeout, 0x1000 unavailable
    return c === 0x1100 || c === 0x1200 || c === 0x1000;
  }
  return false;
}

/**
 * A logged batch whose batchlog write timed out (write type `BATCH_LOG`): the coordinator had not
 * sent the batch's mutations yet. In a 3-node data center the batchlog goes to both other nodes
 * (consistency TWO), so every logged batch times out this way until the coordinators convict a dead
 * node (`phi_convict_threshold`). Repeating the very same batch, with the same write timestamp, is
 * safe: a batchlog entry that did land is replayed later with identical cells.
 */
export function isBatchlogTimeout(e: unknown): boolean {
  return e instanceof cassandra.errors.ResponseError && e.code === 0x1100 && (e as { writeType?: unknown }).writeType === 'BATCH_LOG';
}

/**
 * A write whose outcome is open: a write timeout or failure (a logged batch's batchlog entry that
 * landed on one node is replayed by it later; a batch whose batchlog was written is applied
 * later), or no answer from the coordinator before the driver's timeout.
 */
export function isUnknownWriteOutcome(e: unknown): boolean {
  if (e instanceof cassandra.errors.OperationTimedOutError || isSocketClosed(e)) return true;
  return e instanceof cassandra.errors.ResponseError && (e.code === 0x1100 || e.code === 0x1500);
}

/** The driver's "Socket was closed": the connection to a node closed (the node died) with this request in flight. */
function isSocketClosed(e: unknown): boolean {
  return e instanceof cassandra.errors.DriverError && (e as { isSocketError?: unknown }).isSocketError === true;
}

/** Cassandra's error codes that mean the cluster cannot serve this request now (native protocol spec §9). */
const UNAVAILABLE_CODES: Readonly<Record<number, string>> = {
  0x1000: 'not enough Cassandra replicas are up for this request',
  0x1001: 'a Cassandra node is overloaded',
  0x1002: 'a Cassandra node is still starting',
  0x1100: 'Cassandra timed out on a write; it may or may not have been applied, so check before repeating it',
  0x1200: 'Cassandra timed out on a read',
  0x1300: 'Cassandra replicas failed a read',
  0x1500: 'Cassandra replicas failed a write; it may or may not have been applied, so check before repeating it',
};

/**
 * The message of a driver error that means "Cassandra cannot serve this now" (nodes down or
 * timing out), for the API's 503; undefined for anything else (a bug, a bad query, a conflict).
 * Registered with the server's error handler when the cluster store is used.
 */
export function cassandraUnavailable(e: unknown): string | undefined {
  if (e instanceof cassandra.errors.NoHostAvailableError) return 'Storage unavailable: no Cassandra node answered; retry shortly';
  if (e instanceof cassandra.errors.OperationTimedOutError) return 'Storage unavailable: a Cassandra node did not answer in time; retry shortly';
  if (isSocketClosed(e)) {
    return 'Storage unavailable: the connection to a Cassandra node closed during the request; a write may or may not have been applied, so check before repeating it; retry shortly';
  }
  if (e instanceof cassandra.errors.ResponseError) {
    const why = UNAVAILABLE_CODES[e.code];
    if (why) return `Storage unavailable: ${why}; retry shortly`;
  }
  return undefined;
}
