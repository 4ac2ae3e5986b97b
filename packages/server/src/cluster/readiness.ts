/**
 * The Readiness port (DESIGN §5): whether this node may serve. A single node is always ready; in a
 * cluster, `Membership` of `@waggle/server-cluster` implements it (ready while at least
 * `cluster.minMembers` members have a live heartbeat). `/api/status` answers 503 while not ready,
 * so that HAProxy's `option httpchk GET /api/status` takes the node out of the rotation.
 */
export interface Readiness {
  /** Whether the node may serve now. Must be cheap: it is called on every status request. */
  ready(): boolean;
}
