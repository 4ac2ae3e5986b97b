/**
 * Pipelined durability: no group is acknowledged before an fsync that started after its COMMIT
 * has returned, and a failed fsync never acknowledges what it covered. The fsync is injected and
 * held back by the test (the real one is an `fdatasync` of the WAL, see the kill -9 tests in
 * test/durability for the whole path).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DurableAcks } from './durable-acks.js';

/** An fsync the test releases or fails by hand, recording when each one started. */
function heldSync(): { sync: () => Promise<void>; started: number; release: () => void; failNext: (e: Error) => void } {
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const h = {
    started: 0,
    sync: () =>
      new Promise<void>((resolve, reject) => {
        h.started++;
        pending.push({ resolve, reject });
      }),
    release: () => pending.shift()!.resolve(),
    failNext: (e: Error) => pending.shift()!.reject(e),
  };
  return h;
}

/** A pipeline whose acknowledgments are recorded and which must never fail. */
function succeeding(sync: () => Promise<void>): { acks: DurableAcks<string>; acked: string[] } {
  const acked: string[] = [];
  const acks = new DurableAcks<string>(
    sync,
    (items) => acked.push(...items),
    () => assert.fail('nothing fails'),
  );
  return { acks, acked };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('DurableAcks', () => {
  test('a group is acknowledged only by an fsync that started after its commit', async () => {
    const fs = heldSync();
    const { acks, acked } = succeeding(fs.sync);
    acks.committed('g1');
    assert.equal(fs.started, 1, 'the first commit starts an fsync');
    acks.committed('g2');
    acks.committed('g3');
    assert.equal(fs.started, 1, 'one fsync at a time');
    await tick();
    assert.deepEqual(acked, [], 'nothing is acknowledged while its fsync is held back');

    fs.release();
    await tick();
    assert.deepEqual(acked, ['g1'], 'the first fsync covers only g1: g2 and g3 committed after it started');
    assert.equal(fs.started, 2, 'a second fsync starts for g2 and g3');

    acks.committed('g4');
    fs.release();
    await tick();
    assert.deepEqual(acked, ['g1', 'g2', 'g3'], 'g4 committed while the second fsync ran: not covered by it');
    fs.release();
    await acks.drained();
    assert.deepEqual(acked, ['g1', 'g2', 'g3', 'g4']);
  });

  test('a failed fsync fails what it covered and everything after, never acknowledges it', async () => {
    const fs = heldSync();
    const acked: string[] = [];
    const failed: Array<[string, string]> = [];
    const acks = new DurableAcks<string>(
      fs.sync,
      (items) => acked.push(...items),
      (items, e) => failed.push(...items.map((i): [string, string] => [i, e.message])),
    );
    acks.committed('g1');
    fs.release();
    await tick();
    acks.committed('g2');
    acks.committed('g3');
    fs.failNext(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await tick();
    assert.deepEqual(acked, ['g1']);
    assert.deepEqual(
      failed.map(([i]) => i),
      ['g2', 'g3'],
    );
    assert.match(failed[0]![1], /fsync of the write-ahead log failed.*EIO/);
    assert.ok(acks.failed, 'the pipeline stays failed');
    acks.committed('g4');
    assert.deepEqual(
      failed.map(([i]) => i),
      ['g2', 'g3', 'g4'],
      'a group committed after a failed fsync is failed at once',
    );
    assert.equal(fs.started, 2, 'no fsync is attempted after the failure');
    await acks.drained();
    assert.deepEqual(acked, ['g1']);
  });

  test('drained() waits for the groups in flight', async () => {
    const fs = heldSync();
    const { acks, acked } = succeeding(fs.sync);
    await acks.drained();
    acks.committed('g1');
    let drained = false;
    void acks.drained().then(() => (drained = true));
    await tick();
    assert.equal(drained, false);
    fs.release();
    await tick();
    await tick();
    assert.equal(drained, true);
    assert.deepEqual(acked, ['g1']);
  });
});
