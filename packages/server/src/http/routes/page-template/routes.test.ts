import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
});
after(async () => t.close());

void test('create, get (route and getPageTemplate), update, find and delete', async () => {
  const api = t.as(a.admin);
  const created = await api.post('/api/v1/pageTemplate', { title: 'my page template', category: 'testing', content: '...' });
  assert.equal(created.status, 201, created.text);
  const pt = created.body;
  assert.equal(pt._type, 'PageTemplate');
  assert.equal(pt.title, 'my page template');
  assert.equal(pt.category, 'testing');
  assert.equal(pt.content, '...');
  assert.equal(pt.order, 0);
  assert.deepEqual(pt.extraData, {});
  assert.deepEqual((await api.query([{ _name: 'getPageTemplate', idOrName: pt._id }])).body, [pt]);
  assert.deepEqual((await api.get(`/api/v1/pageTemplate/${pt._id}`)).body, pt);

  const upd = await api.patch(`/api/v1/pageTemplate/${pt._id}`, { title: 'updated page template name', content: 'updated page template description' });
  assert.equal(upd.status, 204, upd.text);
  const [updated] = (await api.query([{ _name: 'getPageTemplate', idOrName: pt._id }])).body;
  assert.equal(updated.title, 'updated page template name');
  assert.equal(updated.content, 'updated page template description');
  assert.equal(updated._updatedBy, a.admin.login);

  const second = await api.post('/api/v1/pageTemplate', { title: 'second', category: 'c', content: 'x', order: 3 });
  const found = await t.as(a.analyst).query([{ _name: 'listPageTemplate' }, { _name: 'sort', _fields: [{ _createdAt: 'asc' }] }]);
  assert.deepEqual(
    found.body.map((x: { _id: string }) => x._id),
    [pt._id, second.body._id],
  );

  assert.equal((await api.delete(`/api/v1/pageTemplate/${pt._id}`)).status, 204);
  assert.deepEqual((await api.query([{ _name: 'getPageTemplate', idOrName: pt._id }])).body, []);
  assert.equal((await api.delete(`/api/v1/pageTemplate/${pt._id}`)).status, 404);
});

void test('page templates are organisation-scoped: another organisation gets 404 and lists nothing', async () => {
  const pt = (await t.as(a.admin).post('/api/v1/pageTemplate', { title: 'a only', category: 'c', content: 'secret' })).body;
  const other = t.as(b.admin);
  assert.equal((await other.get(`/api/v1/pageTemplate/${pt._id}`)).status, 404);
  assert.equal((await other.patch(`/api/v1/pageTemplate/${pt._id}`, { title: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/pageTemplate/${pt._id}`)).status, 404);
  assert.deepEqual((await other.query([{ _name: 'getPageTemplate', idOrName: pt._id }])).body, []);
  const listed = await other.query([{ _name: 'listPageTemplate' }, { _name: 'filter', _eq: { _field: 'title', _value: 'a only' } }]);
  assert.deepEqual(listed.body, []);
  assert.equal((await t.as(a.admin).get(`/api/v1/pageTemplate/${pt._id}`)).body.content, 'secret');
});

void test('read-only users and analysts cannot manage page templates; bad input is a 400', async () => {
  const pt = (await t.as(a.admin).post('/api/v1/pageTemplate', { title: 't', category: 'c', content: 'x' })).body;
  for (const creds of [a.readonly, a.analyst]) {
    const api = t.as(creds);
    const r = await api.post('/api/v1/pageTemplate', { title: 't', category: 'c', content: 'x' });
    assert.equal(r.status, 403);
    assert.equal(r.body.type, 'AuthorizationError');
    assert.equal((await api.patch(`/api/v1/pageTemplate/${pt._id}`, { title: 'x' })).status, 403);
    assert.equal((await api.delete(`/api/v1/pageTemplate/${pt._id}`)).status, 403);
  }
  assert.equal((await t.as(a.readonly).get(`/api/v1/pageTemplate/${pt._id}`)).status, 200);
  const missing = await t.as(a.admin).post('/api/v1/pageTemplate', { title: 't', content: 'x' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.type, 'AttributeCheckingError');
  assert.equal((await t.as(a.admin).patch(`/api/v1/pageTemplate/${pt._id}`, { order: 'first' })).status, 400);
});
