import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;
const fixture = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../../../../shared/fixtures/misp/57c4445b-c548-4654-af0b-4be3950d210f.json');

before(async () => {
  t = await testWaggle();
  a = await t.org('misp-org');
});
after(async () => t.close());

function multipart(json: unknown, file: Buffer): { body: Buffer; contentType: string } {
  const b = '----waggle' + Math.random().toString(16).slice(2);
  const body = Buffer.concat([
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="_json"\r\n\r\n${JSON.stringify(json)}\r\n`),
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="event.json"\r\nContent-Type: application/json\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${b}` };
}

async function importEvent(file: Buffer, json: unknown = {}) {
  const { body, contentType } = multipart(json, file);
  const auth = `Basic ${Buffer.from(`${a.analyst.login}:secret`).toString('base64')}`;
  const r = await t.running.app.inject({
    method: 'POST',
    url: '/api/v1/connector/misp/case/import',
    headers: { authorization: auth, 'x-organisation': a.name, 'content-type': contentType },
    payload: body,
  });
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
}

test('status and sync answer as on a fresh TheHive', async () => {
  const st = await t.as(a.analyst).get('/api/v1/connector/misp/status');
  assert.deepEqual(st.body, { status: {}, syncInProgress: false });
  const sync = await t.as(a.analyst).get('/api/v1/connector/misp/_syncAlerts');
  assert.equal(sync.status, 200);
  assert.equal(sync.text, '');
  const asAdmin = await t.admin.get('/api/v1/connector/misp/_syncAlerts');
  assert.equal(asAdmin.status, 200);
  assert.equal((await t.as(a.readonly).get('/api/v1/connector/misp/_syncAlerts')).status, 403);
});

test('export to an unknown MISP server is a 404 naming it', async () => {
  const c = await t.as(a.analyst).post('/api/v1/case', { title: 'x', description: 'y' });
  const r = await t.as(a.analyst).post(`/api/v1/connector/misp/export/${c.body._id}/nowhere`);
  assert.equal(r.status, 404);
  assert.deepEqual(r.body, { type: 'NotFoundError', message: 'MISP server nowhere not found' });
});

test('importing a non-event is a 400; a real event becomes a case with observables', async () => {
  const bad = await importEvent(Buffer.from('{}'));
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, { type: 'BadRequest', message: 'Could not convert json to MISP event' });
  const ok = await importEvent(readFileSync(fixture));
  assert.equal(ok.status, 201);
  assert.match(String(ok.body.title), /Ransomware - Xorist/);
  const obs = await t.as(a.analyst).query([{ _name: 'getCase', idOrName: ok.body._id }, { _name: 'observables' }, { _name: 'count' }]);
  assert.ok(Number(obs.body) >= 8, `observables: ${obs.text}`);
});

test('read-only users cannot import', async () => {
  const { body, contentType } = multipart({}, readFileSync(fixture));
  const auth = `Basic ${Buffer.from(`${a.readonly.login}:secret`).toString('base64')}`;
  const r = await t.running.app.inject({
    method: 'POST',
    url: '/api/v1/connector/misp/case/import',
    headers: { authorization: auth, 'x-organisation': a.name, 'content-type': contentType },
    payload: body,
  });
  assert.equal(r.statusCode, 403);
});
