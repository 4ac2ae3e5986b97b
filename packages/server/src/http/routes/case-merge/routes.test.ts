import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Client, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  assert.equal((await t.admin.put('/api/v1/organisation/org-a/link/org-b', {})).status, 204);
});
after(async () => t.close());

async function newCase(client: Client, body: Record<string, unknown>): Promise<string> {
  const r = await client.post('/api/v1/case', { description: 'd', ...body });
  assert.equal(r.status, 201, r.text);
  return r.body._id;
}

test('merge: new case with joined titles and united data, originals gone', async () => {
  const c = t.as(a.analyst);
  const one = await newCase(c, { title: 'first', tags: ['x'], severity: 1, tlp: 1 });
  const two = await newCase(c, { title: 'second', tags: ['y', 'x'], severity: 3, flag: true });
  await c.post(`/api/v1/case/${one}/task`, { title: 't1' });
  await c.post(`/api/v1/case/${two}/task`, { title: 't2' });
  await c.post(`/api/v1/case/${one}/observable`, { dataType: 'domain', data: 'example.com', tags: ['a'] });
  await c.post(`/api/v1/case/${two}/observable`, { dataType: 'domain', data: 'example.com', tags: ['b'], ioc: true });
  await c.post(`/api/v1/case/${two}/observable`, { dataType: 'ip', data: '10.0.0.1' });
  await c.post(`/api/v1/case/${two}/comment`, { message: 'hello' });

  const merged = await c.post(`/api/v1/case/_merge/${one},${two}`);
  assert.equal(merged.status, 201, merged.text);
  assert.equal(merged.body.title, 'first / second');
  assert.deepEqual([...merged.body.tags].sort(), ['x', 'y']);
  assert.equal(merged.body.severity, 3);
  assert.equal(merged.body.tlp, 2);
  assert.equal(merged.body.flag, true);
  assert.equal(merged.body.status, 'New');
  assert.deepEqual((await c.get(`/api/v1/case/${merged.body._id}`)).body, merged.body);
  for (const id of [one, two]) assert.equal((await c.get(`/api/v1/case/${id}`)).status, 404);

  const id = merged.body._id;
  const tasks = await c.query([{ _name: 'getCase', idOrName: id }, { _name: 'tasks' }, { _name: 'sort', _fields: [{ title: 'asc' }] }]);
  assert.deepEqual(
    tasks.body.map((x: { title: string }) => x.title),
    ['t1', 't2'],
  );
  const obs = await c.query([{ _name: 'getCase', idOrName: id }, { _name: 'observables' }, { _name: 'sort', _fields: [{ data: 'asc' }] }]);
  assert.equal(obs.body.length, 2);
  assert.equal(obs.body[1].data, 'example.com');
  assert.deepEqual([...obs.body[1].tags].sort(), ['a', 'b']);
  assert.equal(obs.body[1].ioc, true);
  const comments = await c.query([{ _name: 'getCase', idOrName: id }, { _name: 'comments' }]);
  assert.deepEqual(
    comments.body.map((x: { message: string }) => x.message),
    ['hello'],
  );
  // the merged case still enforces observable uniqueness
  const dup = await c.post(`/api/v1/case/${id}/observable`, { dataType: 'domain', data: 'example.com' });
  assert.ok(dup.status >= 400 && dup.status < 500, dup.text);
  assert.equal((await c.post(`/api/v1/case/${id}/observable`, { dataType: 'domain', data: 'new.example.com' })).status, 201);
  // a fresh case can reuse the observable of a deleted original
  const fresh = await newCase(c, { title: 'fresh' });
  assert.equal((await c.post(`/api/v1/case/${fresh}/observable`, { dataType: 'domain', data: 'example.com' })).status, 201);
});

test('merge: rules and isolation', async () => {
  const c = t.as(a.analyst);
  const mine = await newCase(c, { title: 'mine' });
  const mine2 = await newCase(c, { title: 'mine2' });
  const theirs = await newCase(t.as(b.analyst), { title: 'theirs' });
  assert.equal((await c.post(`/api/v1/case/_merge/${mine}`)).status, 400);
  assert.equal((await c.post(`/api/v1/case/_merge/${mine},${mine}`)).status, 400);
  assert.equal((await c.post(`/api/v1/case/_merge/${mine},${theirs}`)).status, 404);
  assert.equal((await t.as(b.analyst).post(`/api/v1/case/_merge/${mine},${mine2}`)).status, 404);
  assert.equal((await t.as(a.readonly).post(`/api/v1/case/_merge/${mine},${mine2}`)).status, 403);
  // a case shared with B can be read by B but not merged by B
  const shared = await newCase(c, { title: 'shared' });
  await c.post(`/api/v1/case/${shared}/shares`, { shares: [{ organisation: 'org-b' }] });
  assert.equal((await t.as(b.analyst).post(`/api/v1/case/_merge/${shared},${theirs}`)).status, 403);
  // different shares cannot be merged
  assert.equal((await c.post(`/api/v1/case/_merge/${shared},${mine}`)).status, 400);
  for (const id of [mine, mine2, shared]) assert.equal((await c.get(`/api/v1/case/${id}`)).status, 200);
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${theirs}`)).status, 200);
  // two cases shared the same way merge into a case B still sees
  const shared2 = await newCase(c, { title: 'shared2' });
  await c.post(`/api/v1/case/${shared2}/shares`, { shares: [{ organisation: 'org-b' }] });
  const m = await c.post(`/api/v1/case/_merge/${shared},${shared2}`);
  assert.equal(m.status, 201, m.text);
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${m.body._id}`)).body.title, 'shared / shared2');
  assert.equal((await t.as(b.analyst).patch(`/api/v1/case/${m.body._id}`, { title: 'B edits' })).status, 204);
  assert.equal((await c.get(`/api/v1/case/${m.body._id}/shares`)).body.length, 1);
});

test('observable merge in one case', async () => {
  const c = t.as(a.analyst);
  const id = await newCase(c, { title: 'obs merge' });
  await c.post(`/api/v1/case/${id}/observable`, { dataType: 'ip', data: '192.168.0.1' });
  await c.post(`/api/v1/case/${id}/observable`, { dataType: 'ip', data: '192.168.0.2' });
  const r = await c.post(`/api/v1/case/${id}/observable/_merge`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { deleted: 0, untouched: 2, updated: 0 });
  assert.equal((await t.as(b.analyst).post(`/api/v1/case/${id}/observable/_merge`)).status, 404);
  assert.equal((await t.as(a.readonly).post(`/api/v1/case/${id}/observable/_merge`)).status, 403);
});
