/**
 * The live stream's event log against a real Cassandra (issue 7): what one node sends reaches
 * every other node once, in the order it was sent, never back to the sender; a writer whose
 * clock is behind the reader's (within the overlap) is still read; a reader that starts after an
 * outage of its session picks up what was written meanwhile. Each simulated node has its own
 * driver session. Replication: WAGGLE_TEST_CASSANDRA_RF (default 1; 3 on the 3-node cluster).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Doc } from '@waggle/server/src/storage/entity-store.js';
import { skipWithoutCassandra, useTestKeyspace, waitFor } from '../coordination/test-support.js';
import { CassandraEventLog, type EventLogClient, type EventLogOptions } from './cassandra-event-log.js';

const RF = Number(process.env.WAGGLE_TEST_CASSANDRA_RF ?? 1);

function audit(id: string, node: string): Doc {
  return { _id: id, _type: 'audit', _createdAt: Date.now(), _createdBy: node, _orgs: ['~1'], _parents: {}, _version: 1, operation: 'create' };
}

describe('CassandraEventLog', { skip: skipWithoutCassandra }, () => {
  const keyspace = useTestKeyspace('waggle_events', RF);
  const logs: CassandraEventLog[] = [];

  /** A node's event log, started: returns it and the records it delivered. */
  async function node(nodeId: string, opts: Partial<EventLogOptions> = {}): Promise<{ log: CassandraEventLog; got: Doc[] }> {
    const log = new CassandraEventLog(await keyspace().session(), { nodeId, pollMs: 100, ...opts });
    await log.init();
    const got: Doc[] = [];
    log.start((audits) => got.push(...audits));
    logs.push(log);
    return { log, got };
  }

  async function stopAll(): Promise<void> {
    for (const l of logs.splice(0)) await l.stop();
  }

  test('three nodes: every record reaches the two others once, in the order its node sent it; never its sender', async () => {
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => node(id)));
    const sent = new Map<string, string[]>();
    // bursts from every node at once, some of them in one call (a batch's audit records)
    for (let round = 0; round < 20; round++) {
      for (const [i, n] of nodes.entries()) {
        const ids = [`n${i + 1}-${round}-a`, `n${i + 1}-${round}-b`];
        sent.set(`n${i + 1}`, [...(sent.get(`n${i + 1}`) ?? []), ...ids]);
        n.log.send(ids.map((id) => audit(id, `n${i + 1}`)));
      }
      if (round % 5 === 0) await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor('every node got the 80 records of the two others', () => nodes.every((n) => n.got.length >= 80));
    // a few more polls: nothing comes twice
    await new Promise((r) => setTimeout(r, 500));
    for (const [i, n] of nodes.entries()) {
      const self = `n${i + 1}`;
      const ids = n.got.map((d) => d._id);
      assert.equal(ids.length, 80, `${self} got ${ids.length}`);
      assert.equal(new Set(ids).size, 80, `${self}: no duplicates`);
      assert.ok(!ids.some((id) => id.startsWith(`${self}-`)), `${self} never gets its own records`);
      for (const other of ['n1', 'n2', 'n3'].filter((x) => x !== self)) {
        assert.deepEqual(
          ids.filter((id) => id.startsWith(`${other}-`)),
          sent.get(other),
          `${self} got ${other}'s records in order`,
        );
      }
    }
    const doc = nodes[0]!.got.find((d) => d._id === 'n2-0-a');
    assert.equal(doc?._createdBy, 'n2', 'the record arrives whole');
    await stopAll();
  });

  test('a writer whose clock is 1.5 s behind the reader (within the 2 s overlap) is read, once', async () => {
    const reader = await node('r');
    const late = await node('w', { clock: () => Date.now() - 1500 });
    const ahead = await node('a', { clock: () => Date.now() + 1500 });
    for (let i = 0; i < 10; i++) {
      late.log.send([audit(`late-${i}`, 'w')]);
      ahead.log.send([audit(`ahead-${i}`, 'a')]);
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor('the reader got the 20 records', () => reader.got.filter((d) => /^(late|ahead)-/.test(d._id)).length >= 20);
    await new Promise((r) => setTimeout(r, 2500));
    const ids = reader.got.map((d) => d._id);
    assert.deepEqual(
      ids.filter((id) => id.startsWith('late-')),
      Array.from({ length: 10 }, (_, i) => `late-${i}`),
    );
    assert.deepEqual(
      ids.filter((id) => id.startsWith('ahead-')),
      Array.from({ length: 10 }, (_, i) => `ahead-${i}`),
    );
    await stopAll();
  });

  test('a reader whose reads fail for a while delivers what was written meanwhile once it can read again', async () => {
    const session = await keyspace().session();
    let down = false;
    const errors: string[] = [];
    const flaky: EventLogClient = {
      execute: (query, params, options) => (down ? Promise.reject(new Error('Cassandra unreachable (test)')) : session.execute(query, params, options)),
      batch: (queries, options) => session.batch(queries, options),
    };
    const reader = new CassandraEventLog(flaky, { nodeId: 'r', pollMs: 100, onError: (what) => errors.push(what) });
    await reader.init();
    // records of the earlier tests may still be in the window: only this test's count
    const got: Doc[] = [];
    reader.start((a) => got.push(...a.filter((d) => /^(before|during)/.test(d._id))));
    logs.push(reader);
    const writer = await node('w');
    writer.log.send([audit('before', 'w')]);
    await waitFor('the first record', () => got.length === 1);
    down = true;
    for (let i = 0; i < 5; i++) writer.log.send([audit(`during-${i}`, 'w')]);
    await waitFor('reads failed', () => errors.includes('event log read'));
    await new Promise((r) => setTimeout(r, 3000)); // longer than the overlap
    down = false;
    await waitFor('the records written during the outage', () => got.length === 6);
    assert.deepEqual(
      got.map((d) => d._id),
      ['before', 'during-0', 'during-1', 'during-2', 'during-3', 'during-4'],
    );
    await stopAll();
  });

  test('large records in a burst (60 × 100 kB) are written in several batches and all arrive, in order', async () => {
    const reader = await node('r');
    const writer = await node('w');
    const big = 'x'.repeat(100_000);
    writer.log.send(Array.from({ length: 60 }, (_, i) => ({ ...audit(`big-${i}`, 'w'), details: { big } })));
    const mine = (): Doc[] => reader.got.filter((d) => d._id.startsWith('big-'));
    await waitFor('the reader got all 60', () => mine().length === 60);
    assert.deepEqual(
      mine().map((d) => d._id),
      Array.from({ length: 60 }, (_, i) => `big-${i}`),
    );
    assert.equal((mine()[59]!.details as { big: string }).big.length, 100_000);
    await stopAll();
  });

  test('stop writes what is queued before it resolves', async () => {
    const reader = await node('r');
    const writer = await node('w');
    writer.log.send(Array.from({ length: 300 }, (_, i) => audit(`q-${i}`, 'w')));
    await writer.log.stop();
    const mine = (): Doc[] => reader.got.filter((d) => d._id.startsWith('q-'));
    await waitFor('the reader got all 300', () => mine().length === 300);
    assert.equal(mine()[299]!._id, 'q-299');
    await stopAll();
  });
});
