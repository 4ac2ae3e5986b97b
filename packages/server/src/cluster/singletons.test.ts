/** LocalSingletons: the single-node implementation of the Singletons port runs every job here, one run at a time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSingletons } from './singletons.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick(10);
  assert.ok(cond(), 'condition not reached');
}

test('runs the job repeatedly, never two runs at once; a failing run is reported and the job goes on', async () => {
  const errors: string[] = [];
  const s = new LocalSingletons((name, e) => errors.push(`${name}: ${(e as Error).message}`));
  let runs = 0;
  let running = 0;
  let maxRunning = 0;
  const h = s.runSingleton(
    'job',
    async () => {
      runs++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick(15);
      running--;
      if (runs === 2) throw new Error('boom');
    },
    { everyMs: 5 },
  );
  await until(() => runs >= 5);
  await h.stop();
  assert.equal(maxRunning, 1);
  assert.deepEqual(errors, ['job: boom']);
  const after = runs;
  await tick(50);
  assert.equal(runs, after, 'no run after stop');
});

test('stop aborts the run in progress through its signal and waits for it', async () => {
  const s = new LocalSingletons();
  let aborted = false;
  let started = false;
  const h = s.runSingleton(
    'long',
    (signal) =>
      new Promise<void>((resolve) => {
        started = true;
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      }),
    { everyMs: 1 },
  );
  await until(() => started);
  await h.stop();
  assert.equal(aborted, true);
});
