/**
 * Live updates between two analysts (issue 5, "Done when" 1): two browser contexts logged in as
 * two users of the same organisation. What one does in the UI appears in the other's open page
 * through the event stream, without a reload (a marker set in the watcher's page survives, and
 * the page fires no new `load` event).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { cannotRun, startE2e, type E2e, type E2eOrg } from './support.js';

const skip = cannotRun();
let w: E2e;
let org: E2eOrg;
let caseId: string;
let alice: Page;
let bob: Page;
let bobLoads = 0;

/** Marks the page; `assertNotReloaded` fails if the page was reloaded since. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __liveMarker: string }).__liveMarker = 'unchanged'));
}
async function assertNotReloaded(page: Page, loadsBefore: number): Promise<void> {
  assert.equal(await page.evaluate(() => (window as unknown as { __liveMarker?: string }).__liveMarker), 'unchanged', 'the page was not reloaded');
  assert.equal(bobLoads, loadsBefore, 'no new load event');
}

before(async () => {
  if (skip) return;
  w = await startE2e();
  org = await w.org('live-soc');
  const c = await w.api(org.analyst).ok('POST', '/api/v1/case', { title: 'Shared investigation', description: 'Two analysts on one case', severity: 2 });
  caseId = c._id as string;
  ({ page: alice } = await w.open(org.analyst, `/cases/${caseId}`));
  ({ page: bob } = await w.open(org.analyst2, `/cases/${caseId}`));
  bob.on('load', () => bobLoads++);
});
after(async () => w?.close());

test('a flag set by one analyst appears in the other analyst’s open case page', { skip }, async () => {
  await alice.getByTestId('case-title').waitFor();
  await bob.getByTestId('case-title').waitFor();
  await mark(bob);
  const loads = bobLoads;
  const head = bob.locator('.case-head');
  assert.equal(await head.getByLabel('Flagged').count(), 0);
  await alice.getByRole('button', { name: 'Flag', exact: true }).click();
  await alice.getByRole('button', { name: 'Unflag' }).waitFor();
  await bob.getByRole('button', { name: 'Unflag' }).waitFor();
  await assertNotReloaded(bob, loads);
});

test('a task added by one analyst appears in the other analyst’s open task list', { skip }, async () => {
  const nav = (p: Page) => p.getByRole('navigation', { name: 'Case sections' }).getByRole('link', { name: 'Tasks' });
  await nav(alice).click();
  await nav(bob).click();
  await bob.getByRole('form', { name: 'Add a task' }).waitFor();
  await mark(bob);
  const loads = bobLoads;
  const form = alice.getByRole('form', { name: 'Add a task' });
  await form.getByLabel('Task title').fill('Contain the workstation');
  await form.getByRole('button', { name: 'Add task' }).click();
  await bob.getByTestId('task-row').filter({ hasText: 'Contain the workstation' }).waitFor();
  await assertNotReloaded(bob, loads);
});

test('a case created by one analyst appears in the other analyst’s open case list', { skip }, async () => {
  await bob.getByRole('link', { name: 'Cases', exact: true }).first().click();
  await bob.getByTestId('case-row').first().waitFor();
  await mark(bob);
  const loads = bobLoads;
  const before = await bob.getByTestId('case-row').count();
  await alice.getByRole('link', { name: 'Cases', exact: true }).first().click();
  await alice.getByRole('button', { name: 'New case' }).click();
  const dialog = alice.getByRole('dialog', { name: 'New case' });
  await dialog.getByLabel('Title', { exact: true }).fill('Second wave of the campaign');
  await dialog.getByRole('button', { name: 'Create case' }).click();
  await bob.getByTestId('case-row').filter({ hasText: 'Second wave of the campaign' }).waitFor();
  assert.equal(await bob.getByTestId('case-row').count(), before + 1);
  await assertNotReloaded(bob, loads);
});
