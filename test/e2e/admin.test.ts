/**
 * Administration in Debian's Chromium (issue 5, "Done when" 1): the platform administrator
 * creates a user (who can then log in), a custom field, and imports a case template exported
 * from TheHive (a bare template JSON file). Every result is checked through the public API.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN, cannotRun, screenshot, eventually, startE2e, type E2e, type E2eOrg } from './support.js';

const skip = cannotRun();
let w: E2e;
let org: E2eOrg;
let page: Page;

before(async () => {
  if (skip) return;
  w = await startE2e();
  org = await w.org('admin-soc');
  ({ page } = await w.open(ADMIN, '/admin/users'));
});
after(async () => w?.close());

test('create a user, who can then log in', { skip }, async () => {
  const form = page.getByRole('form', { name: 'Create user' });
  await form.waitFor();
  await screenshot(page, 'admin-users');
  await form.getByLabel('Login').fill('carol@admin-soc.test');
  await form.getByLabel('Name').fill('Carol Analyst');
  await form.getByLabel('Organisation').selectOption(org.name);
  await form.getByLabel('Profile').selectOption('analyst');
  await form.getByLabel('Initial password').fill('carol-Secret-42');
  await form.getByRole('button', { name: 'Create user' }).click();
  await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const u = await eventually(
    () => w.admin('GET', '/api/v1/user/carol@admin-soc.test'),
    (r) => r.status === 200,
    'the user exists',
  );
  assert.equal(u.body.name, 'Carol Analyst');
  assert.deepEqual(
    (u.body.organisations as Array<{ organisation: string; profile: string }>).map((o) => [o.organisation, o.profile]),
    [[org.name, 'analyst']],
  );
  const { page: carol } = await w.open({ login: 'carol@admin-soc.test', password: 'carol-Secret-42' }, '/cases');
  await carol.getByRole('button', { name: 'User menu' }).waitFor();
  const me = await carol.evaluate(async () => (await (await fetch('/api/v1/user/current')).json()) as { login: string; organisation: string });
  assert.equal(me.login, 'carol@admin-soc.test');
  assert.equal(me.organisation, org.name);
});

test('create a custom field', { skip }, async () => {
  await page.getByRole('link', { name: 'Custom fields' }).first().click();
  const form = page.getByRole('form', { name: 'Create custom field' });
  await form.getByLabel('Name', { exact: true }).fill('business-unit');
  await form.getByLabel('Display name').fill('Business unit');
  await form.getByLabel('Type').selectOption('string');
  await form.getByLabel('Description').fill('Which part of the company is affected');
  await form.getByLabel('Allowed values (comma-separated, optional)').fill('Finance, HR, IT');
  await form.getByRole('button', { name: 'Create custom field' }).click();
  await page.getByTestId('custom-field-row').filter({ hasText: 'business-unit' }).waitFor();
  const defs = (await w.admin.ok('GET', '/api/v1/customField')) as Array<{ name: string; displayName: string; type: string; options: string[] }>;
  const d = defs.find((x) => x.name === 'business-unit');
  assert.ok(d, JSON.stringify(defs));
  assert.equal(d.displayName, 'Business unit');
  assert.equal(d.type, 'string');
  assert.deepEqual(d.options, ['Finance', 'HR', 'IT']);
  await screenshot(page, 'admin-custom-fields');
});

/** Imports `json` through the "Import template" dialog (as a file) and waits for its row. */
async function importTemplate(json: unknown, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Case templates' }).first().click();
  await page.getByRole('button', { name: 'Import template' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import case template' });
  await dialog
    .getByLabel('Template file (JSON)')
    .setInputFiles({ name: `${name}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) });
  await dialog.getByLabel('Template JSON').filter({ hasText: name }).waitFor();
  await dialog.getByRole('button', { name: 'Import' }).click();
  await dialog.waitFor({ state: 'detached' }).catch(async (e: Error) => assert.fail(`the dialog stayed open: ${await dialog.innerText()} (${e.message})`));
  await page.getByTestId('case-template-row').filter({ hasText: name }).waitFor();
}

/** The imported template, read back through the API (templates belong to the importer's organisation). */
async function templateNamed(name: string): Promise<{ titlePrefix: string; severity: number; tasks: Array<{ title: string }> }> {
  const list = (await w.admin.ok('POST', '/api/v1/query', {
    query: [{ _name: 'listCaseTemplate' }, { _name: 'filter', _eq: { _field: 'name', _value: name } }],
  })) as Array<{ titlePrefix: string; severity: number; tasks: Array<{ title: string }> }>;
  assert.equal(list.length, 1, JSON.stringify(list));
  return list[0]!;
}

test('import a case template exported by Waggle', { skip }, async () => {
  const made = await w.admin.ok('POST', '/api/v1/caseTemplate', {
    name: 'insider-export',
    titlePrefix: '[INSIDER]',
    severity: 3,
    description: 'Insider threat',
    tasks: [{ title: 'Preserve the mailbox' }, { title: 'Talk to HR' }],
  });
  const exported = await w.admin.ok('GET', `/api/v1/caseTemplate/${made._id}/export`);
  await w.admin.ok('DELETE', `/api/v1/caseTemplate/${made._id}`);
  await importTemplate(exported, 'insider-export');
  const t = await templateNamed('insider-export');
  assert.equal(t.titlePrefix, '[INSIDER]');
  assert.equal(t.severity, 3);
  assert.deepEqual(t.tasks.map((x) => x.title).sort(), ['Preserve the mailbox', 'Talk to HR']);
  await screenshot(page, 'admin-case-templates');
});

test('import a case template exported from TheHive 4 (custom fields as a map)', { skip }, async () => {
  // TheHive 4's export of a template: the bare template object, customFields as a map
  // (reference: InputCaseTemplate customFields is "list or map")
  const exported = {
    name: 'ransomware-th4',
    displayName: 'Ransomware (from TheHive)',
    titlePrefix: '[RANSOM]',
    severity: 4,
    tlp: 3,
    pap: 2,
    tags: ['ransomware'],
    flag: false,
    description: 'Ransomware response playbook',
    tasks: [
      { order: 0, title: 'Isolate the hosts', group: 'containment', description: 'Cut network access' },
      { order: 1, title: 'Identify the strain', group: 'analysis', description: 'Ransom note, extension' },
    ],
    customFields: {},
  };
  await importTemplate(exported, 'ransomware-th4');
  const t = await templateNamed('ransomware-th4');
  assert.equal(t.titlePrefix, '[RANSOM]');
  assert.equal(t.severity, 4);
  assert.deepEqual(t.tasks.map((x) => x.title).sort(), ['Identify the strain', 'Isolate the hosts']);
});
