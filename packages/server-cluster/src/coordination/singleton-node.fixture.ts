/**
 * A minimal cluster node for `test/cluster/singletons.test.ts`: a ClusterCoordinator on the
 * keyspace given, running one singleton job whose runs it prints (`run-start <node> <ms>`,
 * `run-end <node> <ms>`), so that the test can kill it with SIGKILL and see who runs the job.
 *
 *   node --import tsx singleton-node.fixture.ts <nodeId> <keyspace>
 *
 * Reads WAGGLE_TEST_CASSANDRA (contact points), WAGGLE_TEST_CASSANDRA_USER/PASSWORD/DC. SIGTERM
 * stops the coordinator cleanly (releasing the lease).
 */
import { ClusterCoordinator } from './coordinator.js';

const [nodeId, keyspace] = process.argv.slice(2);
if (!nodeId || !keyspace) throw new Error('usage: singleton-node.fixture.ts <nodeId> <keyspace>');

const coord = await ClusterCoordinator.connect(
  {
    contactPoints: (process.env.WAGGLE_TEST_CASSANDRA ?? '127.0.0.1').split(','),
    localDataCenter: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
    keyspace,
    username: process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra',
    password: process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra',
  },
  { nodeId, address: `${nodeId}:0`, version: 'test', minMembers: 1, leaseTtlSeconds: 3, onError: (what, e) => process.stderr.write(`${what}: ${String(e)}\n`) },
);
coord.runSingleton(
  'fixture-job',
  async (signal) => {
    process.stdout.write(`run-start ${nodeId} ${Date.now()}\n`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 50);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    process.stdout.write(`run-end ${nodeId} ${Date.now()}\n`);
  },
  { everyMs: 100 },
);
process.stdout.write(`up ${nodeId}\n`);
process.once('SIGTERM', () => {
  void coord.stop().then(() => process.exit(0));
});
