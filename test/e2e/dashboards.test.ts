/**
 * Dashboards in Chromium (issue 6, "Done when" 3), everything built through the UI: an analyst
 * creates a shared dashboard with a counter, a bar, a donut and a line in the editor (a bad
 * field comes back from the server and shows next to the field), resizes a widget with the
 * keyboard and saves; a colleague of the same organisation opens it from the list, sees the
 * server's numbers (the same as the API's), sees the counter follow a new case live, downloads
 * a widget as PNG (valid signature and IHDR) and SVG (parses as SVG), and clicks a bar through to
 * the case list filtered on it. A private dashboard stays invisible to the colleague. Export,
 * import, duplicate and delete go through the list. Nothing is mocked: real server, real
 * Chromium; another organisation's cases exist and must never count.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { cannotRun, eventually, screenshot, startE2e, UI_TIMEOUT, type E2e, type E2eOrg } from './support.js';

const skip = cannotRun();
let w: E2e;
let org: E2eOrg;
let other: E2eOrg;
before(async () => {
  if (skip) return;
  w = await startE2e();
  org = await w.org('dash-soc');
  other = await w.org('dash-other');
  const a = w.api(org.analyst);
  for (const status of ['New', 'New', 'InProgress']) await a.ok('POST', '/api/v1/case', { title: `c ${status}`, description: 'd', status });
  // another organisation's cases: never in dash-soc's widgets
  const b = w.api(other.analyst);
  for (const status of ['New', 'New', 'New', 'New', 'Duplicated']) await b.ok('POST', '/api/v1/case', { title: `other ${status}`, description: 'd', status });
});
after(async () => w?.close());

const SOC = 'SOC weekly';

async function addWidget(page: Page, type: string, title: string, fill?: (d: Locator) => Promise<void>): Promise<void> {
  await page.getByLabel('New widget type').selectOption(type);
  await page.getByRole('button', { name: 'Add widget' }).click();
  const d = page.getByRole('dialog', { name: 'Add widget' });
  await d.getByLabel('Widget title').fill(title);
  if (fill) await fill(d);
  await d.getByRole('button', { name: 'Add to dashboard' }).click();
  await d.waitFor({ state: 'detached' });
  await page.getByRole('region', { name: title }).waitFor();
}

/** The rows of a chart's data table: label -> count. */
async function chartData(page: Page, title: string): Promise<Record<string, number>> {
  const table = page.getByRole('region', { name: title }).getByTestId('widget-data');
  await table.locator('tr').first().waitFor({ state: 'attached' });
  const rows = await table
    .locator('tr')
    .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', Number(tr.querySelector('td')?.textContent)]));
  return Object.fromEntries(rows);
}

/** Waits until the counter of the widget `title` shows `n`. */
async function counterShows(page: Page, title: string, n: number): Promise<void> {
  const counter = page.getByRole('region', { name: title }).getByTestId('counter-value');
  await eventually(
    () => counter.getAttribute('data-value', { timeout: UI_TIMEOUT }),
    (v) => v === String(n),
    `the counter ${title} shows ${n}`,
  );
}

async function downloadOf(page: Page, button: Locator): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return readFileSync(await download.path());
}

test('built in the editor, shared, opened by a colleague: server numbers, live counter, PNG and SVG, click-through', { skip }, async () => {
  const alice = await w.open(org.analyst, '/dashboards');
  const page = alice.page;
  let id: string;
  try {
    // the defaults are there; create a new shared dashboard
    await page.getByRole('region', { name: 'Default dashboards' }).getByTestId('dashboard-row').first().waitFor();
    await page.getByRole('button', { name: 'New dashboard' }).click();
    const create = page.getByRole('dialog', { name: 'New dashboard' });
    await create.getByLabel('Title').fill(SOC);
    await create.getByLabel('Description').fill('Built in the UI');
    await create.getByLabel('Shared with my organisation').check();
    await create.getByRole('button', { name: 'Create and add widgets' }).click();
    await page.waitForURL(/\/dashboards\/[^/]+\/edit$/);
    id = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    await page.getByText('No widgets yet.').waitFor();

    await addWidget(page, 'counter', 'Count');
    // a misspelt field: the server's message names it, shown next to the field, the dialog stays open
    await addWidget(page, 'bar', 'By status', async (d) => {
      await d.getByLabel('Period', { exact: true }).selectOption('last30Days');
      await d.getByLabel('Aggregation field').fill('sevrity');
      await d.getByRole('button', { name: 'Add to dashboard' }).click();
      const err = d.getByTestId('field-error');
      await err.waitFor();
      assert.match(await err.innerText(), /aggregation\.field: unknown field "sevrity" of case/);
      await d.getByLabel('Aggregation field').fill('status');
      // the preview is the server's answer for the widget as it stands
      await d.getByRole('button', { name: 'Preview' }).click();
      await d.getByTestId('widget-preview').getByTestId('widget-data').locator('tr').nth(1).waitFor({ state: 'attached' });
      const rows = await d.getByTestId('widget-preview').getByTestId('widget-data').locator('tr').allTextContents();
      assert.deepEqual(rows, ['New2', 'InProgress1']);
    });
    await addWidget(page, 'donut', 'Status share', async (d) => {
      await d.getByRole('button', { name: 'Add condition' }).click();
      await d.getByLabel('Filter field 1').fill('status');
      await d.getByLabel('Operator 1').selectOption('_ne');
      await d.getByLabel('Value 1').fill('Duplicated');
    });
    await addWidget(page, 'line', 'Per day', async (d) => {
      await d.getByLabel('Period', { exact: true }).selectOption('last7Days');
    });
    // edit a widget: the counter gets a better title
    await page.getByRole('button', { name: 'Edit widget Count' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit widget Count' });
    await edit.getByLabel('Widget title').fill('Case count');
    await edit.getByRole('button', { name: 'Apply' }).click();
    await edit.waitFor({ state: 'detached' });
    // keyboard layout: Shift + ↓ on the counter's handle makes it one row taller; a button moves the line
    await page.getByRole('button', { name: 'Layout of Case count' }).focus();
    await page.keyboard.press('Shift+ArrowDown');
    await page.getByRole('button', { name: 'Move down Per day' }).click();
    // and the mouse: drag the line's handle one row (70 px + 12 px gap) further down
    const handle = page.getByRole('button', { name: 'Layout of Per day' });
    await handle.evaluate((el) => el.scrollIntoView({ block: 'center' })); // source and target both in the viewport
    const box = await handle.boundingBox();
    assert.ok(box);
    const [hx, hy] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(hx, hy);
    await page.mouse.down();
    await page.mouse.move(hx, hy + 41, { steps: 5 });
    await page.mouse.move(hx, hy + 82, { steps: 5 });
    await page.mouse.up();
    await counterShows(page, 'Case count', 3);
    await page.getByLabel('Time zone of the histograms').fill('Europe/Paris');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'dashboard-editor');
    await page.getByRole('button', { name: 'Save dashboard' }).click();
    await page.waitForURL((u) => u.pathname === `/dashboards/${id}`);

    const saved = await w.api(org.analyst).ok('GET', `/api/v1/dashboard/${id}`);
    assert.equal(saved.status, 'Shared');
    assert.deepEqual(
      saved.definition.widgets.map((x: { type: string; title: string }) => [x.type, x.title]),
      [
        ['counter', 'Case count'],
        ['bar', 'By status'],
        ['donut', 'Status share'],
        ['line', 'Per day'],
      ],
    );
    // first free places (counter 3×2 at the top left, bar beside it, donut and line below), then the moves:
    // counter one row taller, line one row down by button and one by drag
    assert.deepEqual(
      saved.definition.widgets.map((x: { layout: unknown }) => x.layout),
      [
        { x: 0, y: 0, w: 3, h: 3 },
        { x: 3, y: 0, w: 6, h: 4 },
        { x: 0, y: 4, w: 6, h: 4 },
        { x: 6, y: 6, w: 6, h: 4 },
      ],
    );
    assert.deepEqual(saved.definition.widgets[1].aggregation, { kind: 'terms', field: 'status', size: 10 });
    assert.equal(saved.definition.widgets[3].period, 'last7Days');
    assert.deepEqual(saved.definition.widgets[2].filter, { _ne: { _field: 'status', _value: 'Duplicated' } });
    assert.equal(saved.definition.timeZone, 'Europe/Paris');
    assert.deepEqual(alice.trip.pageErrors, []);
  } finally {
    await alice.context.close();
  }

  // Bob, same organisation, finds it among the shared ones
  const bob = await w.open(org.analyst2, '/dashboards');
  const p = bob.page;
  try {
    await p.getByRole('region', { name: 'Shared in dash-soc' }).getByRole('link', { name: SOC }).click();
    await p.waitForURL((u) => u.pathname === `/dashboards/${id}`);
    // read-only for him? No: analysts hold manageDashboard, so a shared dashboard is editable by him too
    const api = w.api(org.analyst2);
    const results: Array<{ id: string; result: unknown }> = await api.ok('GET', `/api/v1/dashboard/${id}/widgets`);
    const byId = Object.fromEntries(results.map((r) => [r.id, r.result]));
    assert.equal(byId.w1, 3, 'the other organisation never counts');
    await counterShows(p, 'Case count', 3);
    assert.equal(await p.getByRole('region', { name: 'Case count' }).getByTestId('counter-value').innerText(), '3');
    const apiBuckets = (r: unknown) => Object.fromEntries((r as { buckets: Array<{ key: string; count: number }> }).buckets.map((b) => [b.key, b.count]));
    assert.deepEqual(await chartData(p, 'By status'), apiBuckets(byId.w2));
    assert.deepEqual(apiBuckets(byId.w2), { New: 2, InProgress: 1 });
    assert.deepEqual(await chartData(p, 'Status share'), apiBuckets(byId.w3));
    const perDay = await chartData(p, 'Per day');
    assert.equal(
      Object.values(perDay).reduce((x, y) => x + y, 0),
      3,
      'the line counts the 3 cases of the last 7 days',
    );
    assert.equal(Object.keys(perDay).length, (byId.w4 as { buckets: unknown[] }).buckets.length);
    await p.locator('canvas').first().waitFor();
    await screenshot(p, 'dashboard');

    // live: a new case reaches the counter and the bars without a reload
    await w.api(org.analyst).ok('POST', '/api/v1/case', { title: 'live one', description: 'd', status: 'Duplicated' });
    await counterShows(p, 'Case count', 4);
    const live = await eventually(
      () => api.ok('POST', '/api/v1/dashboard/stats', { entity: 'case', aggregation: { kind: 'count' } }),
      (r: { result: number }) => r.result === 4,
      'the stats endpoint counts the new case',
    );
    assert.equal(live.result, 4);

    // live: Alice saves the dashboard again, Bob's page shows it without a reload
    await w.api(org.analyst).ok('PATCH', `/api/v1/dashboard/${id}`, { description: 'Changed by Alice' });
    await p.getByText('Changed by Alice').waitFor();

    // PNG: signature, IHDR first, non-zero size
    const bar = p.getByRole('region', { name: 'By status' });
    const png = await downloadOf(p, bar.getByRole('button', { name: 'Download By status as PNG' }));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.ok(png.readUInt32BE(16) > 0 && png.readUInt32BE(20) > 0, `PNG size ${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`);
    // SVG: an SVG document that the browser's XML parser accepts
    const svg = (await downloadOf(p, p.getByRole('region', { name: 'Status share' }).getByRole('button', { name: 'Download Status share as SVG' }))).toString(
      'utf8',
    );
    assert.match(svg, /<svg[\s>]/);
    const parsed = await p.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { root: doc.documentElement.nodeName, errors: doc.getElementsByTagName('parsererror').length, paths: doc.getElementsByTagName('path').length };
    }, svg);
    assert.equal(parsed.root, 'svg');
    assert.equal(parsed.errors, 0);
    assert.ok(parsed.paths > 0, 'the SVG draws the slices');

    const bars = await eventually(
      () => chartData(p, 'By status'),
      (d) => d.Duplicated === 1,
      'the bar chart follows the new case',
    );
    assert.deepEqual(bars, { New: 2, InProgress: 1, Duplicated: 1 });

    // click the New bar (2 cases): the case list filtered on status=New. The bars share the plot
    // area evenly (grid left 40 px, right 10 px, see chartOption), in the order of the data table.
    const box = await bar.getByRole('img', { name: 'By status' }).boundingBox();
    assert.ok(box);
    const i = Object.keys(bars).indexOf('New');
    await p.mouse.click(box.x + 40 + ((i + 0.5) * (box.width - 50)) / 3, box.y + box.height * 0.6);
    await p.waitForURL(/\/cases\?status=/);
    const clicked = new URL(p.url()).searchParams;
    assert.equal(clicked.get('status'), 'New');
    // the widget's period travels too, as a Query API condition the list shows a note for
    const extra = JSON.parse(clicked.get('where') ?? '[]') as Array<Record<string, { _field?: string }>>;
    assert.ok(
      extra.some((c) => c._between?._field === '_createdAt'),
      `the period is among the extra conditions: ${clicked.get('where')}`,
    );
    await p.getByTestId('list-where').waitFor({ timeout: UI_TIMEOUT });
    const rows = p.getByTestId('case-row');
    await eventually(
      () => rows.count(),
      (n) => n === 2,
      'the filtered list shows the 2 New cases',
    );
    for (const text of await rows.allInnerTexts()) assert.match(text, /c New/);
    assert.deepEqual(bob.trip.pageErrors, []);
    assert.deepEqual(bob.trip.dialogs, []);
  } finally {
    await bob.context.close();
  }
});

test('a private dashboard is invisible to a colleague, in the list and by its address', { skip }, async () => {
  const alice = await w.open(org.analyst, '/dashboards');
  let id: string;
  try {
    await alice.page.getByRole('button', { name: 'New dashboard' }).click();
    const create = alice.page.getByRole('dialog', { name: 'New dashboard' });
    await create.getByLabel('Title').fill('Alice private');
    await create.getByRole('button', { name: 'Create and add widgets' }).click();
    await alice.page.waitForURL(/\/edit$/);
    id = decodeURIComponent(new URL(alice.page.url()).pathname.split('/')[2]!);
    await addWidget(alice.page, 'text', 'Notes', async (d) => {
      await d.getByLabel('Markdown').fill('**Only mine** <img src=x onerror="window.__xss=1">');
    });
    await alice.page.getByRole('button', { name: 'Save dashboard' }).click();
    await alice.page.waitForURL((u) => u.pathname === `/dashboards/${id}`);
    const notes = alice.page.getByRole('region', { name: 'Notes' });
    await notes.locator('strong').getByText('Only mine').waitFor();
    assert.equal(await notes.locator('img').count(), 0, 'raw HTML in markdown is dropped');
    assert.equal(await alice.page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await alice.page.getByTestId('dashboard-status').innerText(), 'Private');
  } finally {
    await alice.context.close();
  }
  assert.equal((await w.api(org.analyst2)('GET', `/api/v1/dashboard/${id}`)).status, 404);
  const bob = await w.open(org.analyst2, '/dashboards');
  try {
    await bob.page.getByRole('region', { name: 'Default dashboards' }).getByTestId('dashboard-row').first().waitFor();
    assert.equal(await bob.page.getByTestId('dashboard-row').filter({ hasText: 'Alice private' }).count(), 0);
    await bob.page.goto(`${w.base}/dashboards/${encodeURIComponent(id)}`);
    await bob.page
      .getByRole('alert')
      .getByText(/not found/i)
      .waitFor();
  } finally {
    await bob.context.close();
  }
});

test('export as a JSON file, import it back, duplicate, and delete after confirmation', { skip }, async () => {
  const a = w.api(org.analyst);
  const src = await a.ok('POST', '/api/v1/dashboard', {
    title: 'Portable',
    status: 'Private',
    definition: { widgets: [{ id: 'n', type: 'counter', title: 'Cases', entity: 'case', aggregation: { kind: 'count' }, layout: { x: 0, y: 0, w: 3, h: 2 } }] },
  });
  const { context, page, trip } = await w.open(org.analyst, '/dashboards');
  try {
    const mine = page.getByRole('region', { name: 'My dashboards' });
    const file = await downloadOf(page, mine.getByRole('button', { name: 'Export dashboard Portable' }));
    const exported = JSON.parse(file.toString('utf8'));
    assert.equal(exported.format, 'waggle-dashboard');
    assert.equal(exported.title, 'Portable');
    assert.equal(exported.definition.widgets.length, 1);

    await page.getByRole('button', { name: 'Import dashboard' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import dashboard' });
    await dialog.getByLabel('Dashboard file (JSON)').setInputFiles({ name: 'portable.dashboard.json', mimeType: 'application/json', buffer: file });
    await eventually(
      () => dialog.getByLabel('Dashboard JSON').inputValue(),
      (v) => v.includes('waggle-dashboard'),
      'the file is loaded into the text area',
    );
    await dialog.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL((u) => /^\/dashboards\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith(src._id));
    const imported = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    await page.getByRole('heading', { name: 'Portable' }).waitFor();
    const cases = (await a.ok('POST', '/api/v1/dashboard/stats', { entity: 'case', aggregation: { kind: 'count' } })).result;
    await counterShows(page, 'Cases', cases);

    // a file that is not an export: the server's message, nothing created
    const before = (await a.ok('GET', '/api/v1/dashboard')).length;
    await page.getByRole('link', { name: 'All dashboards' }).click();
    await page.getByRole('button', { name: 'Import dashboard' }).click();
    await dialog.getByLabel('Dashboard JSON').fill('{"format": "something-else", "title": "x"}');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog
      .getByRole('alert')
      .getByText(/format: must be "waggle-dashboard"/)
      .waitFor();
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
    assert.equal((await a.ok('GET', '/api/v1/dashboard')).length, before);

    await mine.getByRole('button', { name: 'Duplicate dashboard Portable' }).first().click();
    await page.waitForURL(/\/edit$/);
    await page.getByLabel('Title', { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Copy of Portable');
    // a blank title: the server refuses it and the editor says so next to the title
    await page.getByLabel('Title', { exact: true }).fill('   ');
    await page.getByRole('button', { name: 'Save dashboard' }).click();
    await page
      .getByTestId('field-error')
      .getByText(/title: must be a non-empty string/)
      .waitFor();
    assert.match(new URL(page.url()).pathname, /\/edit$/);
    await page.getByRole('link', { name: /Back to the dashboard/ }).click();
    await page.getByRole('link', { name: 'All dashboards' }).click();

    await mine.getByRole('button', { name: `Delete dashboard Copy of Portable` }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete dashboard' });
    await confirm.getByRole('button', { name: 'Delete dashboard' }).click();
    await confirm.waitFor({ state: 'detached' });
    await eventually(
      () => mine.getByTestId('dashboard-row').filter({ hasText: 'Copy of Portable' }).count(),
      (n) => n === 0,
      'the deleted copy leaves the list',
    );
    const titles = (await a.ok('GET', '/api/v1/dashboard')).map((d: { title: string }) => d.title);
    assert.ok(!titles.includes('Copy of Portable'));
    assert.equal(titles.filter((t: string) => t === 'Portable').length, 2, 'the source and its import');
    assert.equal((await a('GET', `/api/v1/dashboard/${imported}`)).status, 200);
    assert.deepEqual(trip.pageErrors, []);
  } finally {
    await context.close();
  }
});

test('every default dashboard renders every widget without an error', { skip }, async () => {
  const defaults = (await w.api(org.analyst).ok('GET', '/api/v1/dashboard')).filter((d: { defaultKey?: string }) => d.defaultKey);
  assert.ok(defaults.length >= 4, `default dashboards: ${defaults.length}`);
  const { context, page, trip } = await w.open(org.analyst, '/dashboards');
  try {
    for (const d of defaults) {
      await page.goto(`${w.base}/dashboards/${encodeURIComponent(d._id)}`);
      await page.getByRole('heading', { name: d.title, exact: true, level: 1 }).waitFor();
      const widgets = page.getByTestId('widget');
      await eventually(
        () => widgets.count(),
        (n) => n === d.definition.widgets.length,
        `${d.title}: every widget is on the page`,
      );
      // each one ends up showing something: a number, a chart's data table, a text or "No data"
      await eventually(
        () =>
          widgets.evaluateAll(
            (els) =>
              els.filter(
                (el) => !el.querySelector('[data-testid="counter-value"], [data-testid="widget-data"], .widget-empty, .markdown, [data-testid="widget-error"]'),
              ).length,
          ),
        (n) => n === 0,
        `${d.title}: every widget has loaded`,
      );
      assert.equal(await page.getByTestId('widget-error').count(), 0, `${d.title}: no widget failed`);
    }
    assert.deepEqual(trip.pageErrors, []);
  } finally {
    await context.close();
  }
});
