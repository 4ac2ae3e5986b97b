/**
 * An analyst's case, from the template to the close dialog, in Debian's Chromium (issue 5,
 * "Done when" 1): create a case from a template; add a task and a log with an attachment; add
 * observables; flag an IOC; close the case. Each step is checked in the page and then through
 * the public API (what the UI did is what the server stored).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { cannotRun, screenshot, eventually, startE2e, type Api, type E2e, type E2eOrg } from './support.js';

const skip = cannotRun();
let w: E2e;
let org: E2eOrg;
let api: Api;
let page: Page;
let caseId: string;

before(async () => {
  if (skip) return;
  w = await startE2e();
  org = await w.org('case-soc');
  api = w.api(org.analyst);
  // a template the org-admin prepared, and a few cases so the list is not empty
  await w.api(org.admin).ok('POST', '/api/v1/caseTemplate', {
    name: 'phishing-e2e',
    displayName: 'Phishing (e2e)',
    titlePrefix: '[PHISH]',
    description: 'Reported phishing e-mail',
    severity: 3,
    tags: ['phishing'],
    tasks: [{ title: 'Collect the headers' }, { title: 'Block the sender' }],
  });
  for (const [i, title] of ['Suspicious login from a new country', 'Malware on a laptop', 'Leaked credentials on a paste site'].entries()) {
    await api.ok('POST', '/api/v1/case', { title, description: `Seeded case ${i}`, severity: 1 + i, tags: ['seed', `team-${i}`] });
  }
  ({ page } = await w.open(org.analyst, '/cases'));
});
after(async () => w?.close());

test('create a case from a template', { skip }, async () => {
  await page.getByTestId('case-row').first().waitFor();
  assert.equal(await page.getByTestId('case-row').count(), 3);
  await screenshot(page, 'case-list');
  await page.getByRole('button', { name: 'New case' }).click();
  const dialog = page.getByRole('dialog', { name: 'New case' });
  await dialog.getByLabel('Case template').selectOption({ label: 'Phishing (e2e)' });
  await dialog.getByLabel('Title', { exact: true }).fill('Invoice lure to the finance team');
  await dialog.getByLabel('Description (markdown)').fill('Three users received an **invoice** lure.');
  await dialog.getByRole('button', { name: 'Create case' }).click();
  await page.waitForURL(/\/cases\/[^/]+$/);
  await page.getByTestId('case-title').filter({ hasText: 'Invoice lure to the finance team' }).waitFor();
  caseId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
  const c = await api.ok('GET', `/api/v1/case/${caseId}`);
  assert.match(c.title as string, /^\[PHISH\] ?Invoice lure to the finance team$/, 'the template prefix is applied');
  assert.deepEqual(c.tags, ['phishing']);
  const tasks = (await api.ok('POST', '/api/v1/query', { query: [{ _name: 'getCase', idOrName: caseId }, { _name: 'tasks' }] })) as Array<{ title: string }>;
  assert.deepEqual(tasks.map((t) => t.title).sort(), ['Block the sender', 'Collect the headers']);
  await screenshot(page, 'case-page');
  // the analyst did not touch the severity: the template's (3, high) applies, not a form default
  assert.equal(c.severity, 3, 'the template severity is kept when the analyst does not change it');
});

test('add a task, and a log with an attachment', { skip }, async () => {
  await page.getByRole('navigation', { name: 'Case sections' }).getByRole('link', { name: 'Tasks' }).click();
  await page.getByTestId('task-row').nth(1).waitFor();
  const add = page.getByRole('form', { name: 'Add a task' });
  await add.getByLabel('Task title').fill('Search the mail gateway');
  await add.getByRole('button', { name: 'Add task' }).click();
  const row = page.getByTestId('task-row').filter({ hasText: 'Search the mail gateway' });
  await row.waitFor();
  assert.equal(await page.getByTestId('task-row').count(), 3);

  await row.getByRole('button', { name: 'Search the mail gateway' }).click();
  const form = page.getByRole('form', { name: 'Add a log to Search the mail gateway' });
  await form.getByLabel('New log (markdown)').fill('Found **12** copies; export attached.');
  await form
    .getByLabel('Attach files')
    .setInputFiles({ name: 'gateway-export.csv', mimeType: 'text/csv', buffer: Buffer.from('time,from,to\n1,a@evil.test,b@corp.test\n') });
  await form.getByRole('button', { name: 'Add log' }).click();
  const entry = page.getByTestId('log-entry').filter({ hasText: 'Found 12 copies' });
  await entry.waitFor();
  assert.equal(await entry.locator('strong').innerText(), '12', 'markdown is rendered');
  const [download] = await Promise.all([page.waitForEvent('download'), entry.getByRole('link', { name: /gateway-export\.csv/ }).click()]);
  assert.equal(download.suggestedFilename(), 'gateway-export.csv');
  const path = await download.path();
  assert.equal(readFileSync(path, 'utf8'), 'time,from,to\n1,a@evil.test,b@corp.test\n', 'the attachment round-trips');
  await screenshot(page, 'case-tasks');

  const tasks = (await api.ok('POST', '/api/v1/query', {
    query: [
      { _name: 'getCase', idOrName: caseId },
      { _name: 'tasks' },
      { _name: 'filter', _eq: { _field: 'title', _value: 'Search the mail gateway' } },
      { _name: 'logs' },
    ],
  })) as Array<{ message: string; attachments?: Array<{ name: string }> }>;
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0]!.message, 'Found **12** copies; export attached.');
  assert.deepEqual(
    (tasks[0]!.attachments ?? []).map((a) => a.name),
    ['gateway-export.csv'],
  );
});

test('add observables (several at once) and flag one as IOC', { skip }, async () => {
  await page.getByRole('navigation', { name: 'Case sections' }).getByRole('link', { name: 'Observables' }).click();
  await page.getByRole('button', { name: 'Add observables' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add observables' });
  await dialog.getByLabel('Type').selectOption('ip');
  await dialog.getByLabel('Values (one per line)').fill('198.51.100.23\n198.51.100.24\n');
  await dialog.getByLabel('Tags (comma-separated)').fill('sender-infra');
  await dialog.getByRole('button', { name: 'Add observables' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('observable-row').nth(1).waitFor();
  assert.equal(await page.getByTestId('observable-row').count(), 2);

  const ioc = page.getByRole('checkbox', { name: /^IOC .*198\.51\.100\.23/ });
  assert.equal(await ioc.isChecked(), false);
  await ioc.click(); // controlled: checked once the server has stored it
  await eventually(
    () => ioc.isChecked(),
    (v) => v,
    'the IOC box is checked',
  );
  await eventually(
    () =>
      api.ok('POST', '/api/v1/query', { query: [{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }] }) as Promise<
        Array<{ data: string; ioc: boolean; tags: string[] }>
      >,
    (obs) => obs.length === 2 && obs.every((o) => o.ioc === (o.data === '198.51.100.23') && o.tags.includes('sender-infra')),
    'the IOC flag is stored on that observable only',
  );
  await page.reload();
  await page.getByTestId('observable-row').first().waitFor();
  assert.equal(await page.getByRole('checkbox', { name: /^IOC .*198\.51\.100\.23/ }).isChecked(), true, 'still an IOC after a reload');
  await screenshot(page, 'case-observables');
});

test('close the case with a resolution and a summary', { skip }, async () => {
  await page.getByRole('button', { name: 'Close case' }).click();
  const dialog = page.getByRole('dialog', { name: 'Close case' });
  await dialog.getByLabel('Resolution status').selectOption('TruePositive');
  await dialog.getByLabel('Summary').fill('Sender blocked, 12 mails purged.');
  await dialog.getByRole('button', { name: 'Close case' }).click();
  await page.getByRole('button', { name: 'Reopen case' }).waitFor();
  const c = await api.ok('GET', `/api/v1/case/${caseId}`);
  assert.equal(c.stage, 'Closed');
  assert.equal(c.status, 'TruePositive');
  assert.equal(c.summary, 'Sender blocked, 12 mails purged.');
});
