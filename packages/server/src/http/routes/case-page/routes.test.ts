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

const newCase = (org: TestOrg, title = 'case') => t.newCase(org.analyst, { title });

void test('create a page, find it via case -> pages and getPage, update and delete it', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const created = await api.post(`/api/v1/case/${c._id}/page`, { title: 'Notes', content: '# hello', category: 'analysis' });
  assert.equal(created.status, 201, created.text);
  const page = created.body;
  assert.equal(page.title, 'Notes');
  assert.equal(page.content, '# hello');
  assert.equal(page.category, 'analysis');
  assert.equal(page.order, 0);
  assert.deepEqual(page.extraData, {});
  assert.equal(typeof page._id, 'string');

  const byNumber = await api.post(`/api/v1/case/${c.number}/page`, { title: 'Second', content: 'x', category: 'c', order: 5 });
  assert.equal(byNumber.status, 201);
  const pages = await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'pages' }, { _name: 'sort', _fields: [{ order: 'asc' }] }]);
  assert.deepEqual(pages.body, [page, byNumber.body]);
  assert.deepEqual((await api.query([{ _name: 'getPage', idOrName: page._id }])).body, [page]);

  assert.equal((await api.patch(`/api/v1/case/${c._id}/page/${page._id}`, { content: 'changed', order: 9 })).status, 204);
  const [updated] = (await api.query([{ _name: 'getPage', idOrName: page._id }])).body;
  assert.equal(updated.content, 'changed');
  assert.equal(updated.order, 9);
  assert.equal(updated.title, 'Notes');
  assert.equal(updated._updatedBy, a.analyst.login);

  assert.equal((await api.delete(`/api/v1/case/${c._id}/page/${page._id}`)).status, 204);
  assert.deepEqual((await api.query([{ _name: 'getPage', idOrName: page._id }])).body, []);
  assert.equal((await api.delete(`/api/v1/case/${c._id}/page/${page._id}`)).status, 404);
});

void test('a page is only reachable through its own case', async () => {
  const c1 = await newCase(a, 'one');
  const c2 = await newCase(a, 'two');
  const page = (await t.as(a.analyst).post(`/api/v1/case/${c1._id}/page`, { title: 'p', content: 'x', category: 'c' })).body;
  assert.equal((await t.as(a.analyst).patch(`/api/v1/case/${c2._id}/page/${page._id}`, { title: 'moved?' })).status, 404);
  assert.equal((await t.as(a.analyst).delete(`/api/v1/case/${c2._id}/page/${page._id}`)).status, 404);
});

void test('another organisation gets 404; read-only users get 403; bad input is a 400', async () => {
  const c = await newCase(a);
  const page = (await t.as(a.analyst).post(`/api/v1/case/${c._id}/page`, { title: 'p', content: 'x', category: 'c' })).body;
  const other = t.as(b.admin);
  assert.equal((await other.post(`/api/v1/case/${c._id}/page`, { title: 'p', content: 'x', category: 'c' })).status, 404);
  assert.equal((await other.patch(`/api/v1/case/${c._id}/page/${page._id}`, { title: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/case/${c._id}/page/${page._id}`)).status, 404);
  assert.deepEqual((await other.query([{ _name: 'getPage', idOrName: page._id }])).body, []);

  const ro = t.as(a.readonly);
  const denied = await ro.post(`/api/v1/case/${c._id}/page`, { title: 'p', content: 'x', category: 'c' });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.type, 'AuthorizationError');
  assert.equal((await ro.patch(`/api/v1/case/${c._id}/page/${page._id}`, { title: 'x' })).status, 403);
  assert.equal((await ro.delete(`/api/v1/case/${c._id}/page/${page._id}`)).status, 403);
  assert.equal((await ro.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'pages' }])).body.length, 1);

  const bad = await t.as(a.analyst).post(`/api/v1/case/${c._id}/page`, { title: 'no content', category: 'c' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.type, 'AttributeCheckingError');
  assert.equal((await t.as(a.analyst).post('/api/v1/case/~999999999/page', { title: 'p', content: 'x', category: 'c' })).status, 404);
});
