/**
 * `AnalysisService.start()` lists the jobs a previous run left `Waiting`. A cluster store cannot
 * answer that query while its index (OpenSearch) is down, and a node restarted during such an
 * outage must still start: the listing is retried in the background until it succeeds.
 * The outage is simulated by making the store's `query` for jobs throw the cluster store's
 * `ServiceUnavailableError` (no OpenSearch runs in this unit test; the cluster suites cut a real one).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle } from '../test/support.js';
import { ServiceUnavailableError } from '../errors/errors.js';
import type { Query } from '../query/ir.js';

let t: TestWaggle;
before(async () => {
  t = await testWaggle();
});
after(async () => t.close());

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

/** Makes the store's job queries fail `failures` times; returns the count of job queries made. */
function failJobQueries(failures: number): { calls: () => number; restore: () => void } {
  const store = t.running.services.store;
  const original = store.query.bind(store);
  let calls = 0;
  store.query = async (q: Query) => {
    if (q.entity !== 'job') return original(q);
    calls++;
    if (calls <= failures) throw new ServiceUnavailableError('the search index does not answer');
    return original(q);
  };
  return { calls: () => calls, restore: () => (store.query = original) };
}

void test('start() goes on when the waiting jobs cannot be listed, and lists them again until it succeeds', async () => {
  const analysis = t.running.services.analysis!;
  const patched = failJobQueries(2);
  const errors: unknown[] = [];
  try {
    await analysis.start((e) => errors.push(e), 20);
    assert.equal(errors.length, 1, 'the first failure is reported and start() returns');
    await until(() => patched.calls() >= 3);
    assert.equal(patched.calls(), 3, 'two failed listings, then one that succeeded');
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof ServiceUnavailableError));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(patched.calls(), 3, 'no listing after the one that succeeded');
  } finally {
    patched.restore();
  }
});

void test('stop() ends the retries', async () => {
  const analysis = t.running.services.analysis!;
  const patched = failJobQueries(Number.MAX_SAFE_INTEGER);
  try {
    await analysis.start(() => undefined, 20);
    assert.equal(patched.calls(), 1);
    analysis.stop();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(patched.calls(), 1, 'no retry after stop()');
  } finally {
    patched.restore();
  }
});
