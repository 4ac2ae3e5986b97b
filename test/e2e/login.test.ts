/**
 * Log in and out through the UI in Debian's Chromium (issue 5, "Done when" 1: log in).
 * A wrong password shows an error that says what to do; the session survives a reload;
 * logging out returns to the login form and the API refuses the old session.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cannotRun, gotoLoginForm, loginThroughUi, screenshot, startE2e, UI_TIMEOUT, type E2e, type E2eOrg } from './support.js';

const skip = cannotRun();
let w: E2e;
let org: E2eOrg;

before(async () => {
  if (skip) return;
  w = await startE2e();
  org = await w.org('login-soc');
});
after(async () => w?.close());

test('a wrong password is refused with a message, the right one opens the case list', { skip }, async () => {
  const context = await w.browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    const form = await gotoLoginForm(page, w.base, '/cases');
    await form.getByLabel('Login').fill(org.analyst.login);
    await form.getByLabel('Password').fill('not-the-password');
    await screenshot(page, 'login');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/wrong login or password/i).waitFor();
    assert.equal(await form.isVisible(), true, 'still on the login form');

    await form.getByLabel('Password').fill(org.analyst.password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.waitFor({ state: 'detached' });
    assert.match(new URL(page.url()).pathname, /^\/cases/);
    await page.getByRole('button', { name: 'User menu' }).waitFor();

    await page.reload();
    await page.getByRole('button', { name: 'User menu' }).waitFor();
    assert.equal(await page.getByRole('form', { name: 'Sign in' }).count(), 0, 'the session survives a reload');
  } finally {
    await context.close();
  }
});

test('logging out shows the login form and ends the session on the server', { skip }, async () => {
  const context = await w.browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    await loginThroughUi(page, w.base, org.analyst2);
    const current = await page.evaluate(async () => (await fetch('/api/v1/user/current')).status);
    assert.equal(current, 200, 'the browser session is authenticated');
    await page.getByRole('button', { name: 'User menu' }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    const after = await page.evaluate(async () => (await fetch('/api/v1/user/current')).status);
    assert.equal(after, 401, 'the old session cookie no longer authenticates');
  } finally {
    await context.close();
  }
});
