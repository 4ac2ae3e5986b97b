/**
 * EventBus scopes: listeners that react with writes (scope `local`) get only this node's records;
 * stream listeners (scope `cluster`) also get those the relay brings from other nodes, and this
 * node's records go out through the relay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Doc } from '../storage/entity-store.js';
import type { EventRelay } from '../cluster/event-relay.js';
import { EventBus } from './events.js';

const rec = (id: string): Doc => ({ _id: id, _type: 'audit', _createdAt: 0, _createdBy: 'x', _orgs: ['~1'], _parents: {}, _version: 1 });

/** A relay between two buses in memory: what one sends, the other delivers. */
function pair(): [EventRelay, EventRelay] {
  const deliver: Array<((a: Doc[]) => void) | undefined> = [undefined, undefined];
  const relay = (me: 0 | 1): EventRelay => ({
    send: (audits) => deliver[1 - me]?.([...audits]),
    start: (d) => {
      deliver[me] = d;
    },
    stop: async () => undefined,
  });
  return [relay(0), relay(1)];
}

test('without a relay, local and cluster listeners both get every published record', () => {
  const bus = new EventBus();
  const local: string[] = [];
  const cluster: string[] = [];
  bus.subscribe((a) => local.push(a._id));
  const off = bus.subscribe((a) => cluster.push(a._id), { scope: 'cluster' });
  bus.publish([rec('~1'), rec('~2')]);
  off();
  bus.publish([rec('~3')]);
  assert.deepEqual(local, ['~1', '~2', '~3']);
  assert.deepEqual(cluster, ['~1', '~2']);
});

test("another node's records reach only the cluster listeners; this node's go out through the relay", () => {
  const [r1, r2] = pair();
  const node1 = new EventBus();
  const node2 = new EventBus();
  node1.attach(r1);
  node2.attach(r2);
  const local1: string[] = [];
  const cluster1: string[] = [];
  node1.subscribe((a) => local1.push(a._id));
  node1.subscribe((a) => cluster1.push(a._id), { scope: 'cluster' });
  node2.publish([rec('~20')]);
  node1.publish([rec('~10')]);
  assert.deepEqual(cluster1, ['~20', '~10']);
  assert.deepEqual(local1, ['~10'], 'side-effect listeners do not act on records of other nodes');
  assert.throws(() => node1.attach(r1), /already attached/);
});
