/**
 * Alert triage in Debian's Chromium (issue 5, "Done when" 1): the alert preview marks the
 * observables already known in cases (in which case, how often as IOC), and the analyst merges
 * the alert into an existing case; the case then holds the alert's observables and the alert
 * points to the case.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { cannotRun, screenshot, startE2e, type Api, type E2e, type E2eOrg } from './support.js';

const skip = cannotRun();
let w: E2e;
let org: E2eOrg;
let api: Api;
let page: Page;
let known: { _id: string; number: number };
let alertId: string;

before(async () => {
  if (skip) return;
  w = await startE2e();
  org = await w.org('alert-soc');
  api = w.api(org.analyst);
  // a past case where 203.0.113.66 was an IOC
  known = await api.ok('POST', '/api/v1/case', { title: 'Botnet C2 seen last month', description: 'Earlier incident', severity: 3 });
  await api.ok('POST', `/api/v1/case/${known._id}/observable`, { dataType: 'ip', data: '203.0.113.66', ioc: true, message: 'C2 server' });
  const alert = await api.ok('POST', '/api/v1/alert', {
    type: 'edr',
    source: 'e2e-sensor',
    sourceRef: 'EDR-4242',
    title: 'Beaconing from a finance workstation',
    description: 'The EDR saw periodic connections to a **known** address.',
    severity: 2,
    observables: [
      { dataType: 'ip', data: '203.0.113.66' },
      { dataType: 'domain', data: 'never-seen-before.example' },
    ],
  });
  alertId = alert._id as string;
  ({ page } = await w.open(org.analyst, `/alerts/${alertId}`));
});
after(async () => w?.close());

test('the alert preview marks the known observable with its case and IOC count', { skip }, async () => {
  await page.getByTestId('alert-title').filter({ hasText: 'Beaconing from a finance workstation' }).waitFor();
  const rows = page.getByTestId('observable-row');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  const knownRow = rows.filter({ hasText: '203.0.113.66' });
  const badge = knownRow.getByTestId('known-observable');
  await badge.waitFor();
  const text = await badge.innerText();
  assert.match(text, /Known: 1 case/, text);
  assert.match(text, /IOC 1×/, text);
  assert.equal(await badge.getByRole('link', { name: `#${known.number}` }).count(), 1, 'links to the case it was seen in');
  const fresh = rows.filter({ hasText: 'never-seen-before.example' });
  assert.equal(await fresh.getByTestId('known-observable').count(), 0, 'an unknown observable is not marked');
  await page.getByTestId('similar-case').filter({ hasText: 'Botnet C2 seen last month' }).waitFor();
  await screenshot(page, 'alert-preview');
});

test('merge the alert into the existing case', { skip }, async () => {
  await page.getByRole('button', { name: 'Merge into case' }).click();
  const dialog = page.getByRole('dialog', { name: 'Merge this alert into a case' });
  await dialog.getByLabel('Find a case (number or title)').fill('Botnet');
  await dialog.getByRole('button', { name: `Merge into #${known.number}` }).click();
  await page.waitForURL(new RegExp(`/cases/${encodeURIComponent(known._id)}/observables$`));
  await page.getByTestId('observable-row').filter({ hasText: 'never-seen-before.example' }).waitFor();

  const alert = await api.ok('GET', `/api/v1/alert/${alertId}`);
  assert.equal(alert.caseId, known._id, 'the alert points to the case');
  const obs = (await api.ok('POST', '/api/v1/query', { query: [{ _name: 'getCase', idOrName: known._id }, { _name: 'observables' }] })) as Array<{
    data: string;
    ioc: boolean;
  }>;
  assert.deepEqual(obs.map((o) => o.data).sort(), ['203.0.113.66', 'never-seen-before.example']);
  assert.equal(obs.find((o) => o.data === '203.0.113.66')?.ioc, true, 'the existing IOC is kept (not duplicated)');
});
