/**
 * `@waggle/server-cluster`: the cluster adapters, loaded by the composition root only when
 * `storage.backend` is `cluster` (dynamic import, so the default install never loads the
 * Cassandra, OpenSearch or S3 clients).
 */
export { CassandraOpenSearchEntityStore, type ClusterEntityStoreOptions, type ClusterDeps } from './entity-store/cluster-entity-store.js';
export { S3BlobStore, type S3BlobStoreOptions } from './s3/s3-blob-store.js';
export { S3SetupError } from './s3/s3-errors.js';
export { ClusterCoordinator, type CoordinatorOptions, type CoordinatorCassandra } from './coordination/coordinator.js';
export { CassandraEventLog, type EventLogOptions } from './stream/cassandra-event-log.js';
export { clusterStatus, runningMembers, type ClusterStatusOptions, type ClusterStatusReport } from './ops/cluster-status.js';
export { cassandraUnavailable } from './cassandra/cassandra-errors.js';
