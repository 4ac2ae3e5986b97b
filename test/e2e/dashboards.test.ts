/**
 * Dashboards in Chromium (issue 6, part of "Done when" 3): a shared dashboard with a counter, a
 * bar, a donut and a line, made through the API by one analyst, opened by another; the numbers
 * are the server's; a widget downloads as a valid PNG; clicking a bar opens the case list filtered
 * on that value. Building the dashboard through the UI is not covered: the UI has no editor yet.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cannotRun, startE2e, UI_TIMEOUT, type E2e, type E2eOrg } from './support.js';

const skip = cannotRun();
let w: E2e;
let org: E2eOrg;
before(async () => {
  if (skip) return;
  w = await startE2e();
  org = await w.org('dash-soc');
});
after(async () => w?.close());

test('a shared dashboard renders for another user; PNG download; click-through', { skip }, async () => {
  const a = w.api(org.analyst);
  for (const status of ['New', 'New', 'InProgress']) {
    assert.equal((await a('POST', '/api/v1/case', { title: `c ${status}`, description: 'd', status })).status, 201);
  }
  const d = await a('POST', '/api/v1/dashboard', {
    title: 'Smoke',
    status: 'Shared',
    definition: {
      widgets: [
        { id: 'n', type: 'counter', title: 'Case count', entity: 'case', aggregation: { kind: 'count' }, layout: { x: 0, y: 0, w: 3, h: 2 } },
        { id: 's', type: 'bar', title: 'By status', entity: 'case', aggregation: { kind: 'terms', field: 'status' }, layout: { x: 3, y: 0, w: 6, h: 4 } },
        { id: 'd', type: 'donut', title: 'Donut', entity: 'case', aggregation: { kind: 'terms', field: 'status' }, layout: { x: 0, y: 4, w: 4, h: 4 } },
        {
          id: 'l',
          type: 'line',
          title: 'Per day',
          entity: 'case',
          aggregation: { kind: 'histogram', field: '_createdAt', interval: 'day' },
          layout: { x: 4, y: 4, w: 8, h: 4 },
        },
      ],
    },
  });
  assert.equal(d.status, 201, d.text);
  const { context, page, trip } = await w.open(org.analyst2, `/dashboards/${d.body._id}`);
  try {
    page.setDefaultTimeout(UI_TIMEOUT);
    await page.getByRole('region', { name: 'Case count' }).getByText('3', { exact: true }).waitFor();
    await page.getByRole('img', { name: 'By status' }).waitFor();
    await page.locator('canvas').first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('region', { name: 'By status' }).getByRole('button', { name: 'PNG' }).click(),
    ]);
    const path = await download.path();
    const bytes = readFileSync(path);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // click the first bar (New, 2 cases): the case list filtered on status
    const box = await page.getByRole('img', { name: 'By status' }).boundingBox();
    assert.ok(box);
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.7);
    await page.waitForURL(/\/cases\?status=/);
    assert.equal(new URL(page.url()).searchParams.get('status'), 'New');
    assert.deepEqual(trip.pageErrors, []);
  } finally {
    await context.close();
  }
});
