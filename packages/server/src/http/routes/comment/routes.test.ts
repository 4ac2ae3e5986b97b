import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';
import type { Actor } from '../../../services/actor.js';
import type { Doc } from '../../../storage/entity-store.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
});
after(async () => t.close());

const newCase = async (org: TestOrg): Promise<string> => (await t.newCase(org.analyst, { title: 'comment case' }))._id;

function actorFor(org: TestOrg, login: string, permissions: string[]): Actor {
  return {
    userId: login,
    login,
    name: login,
    orgId: org.id,
    orgName: org.name,
    profile: 'analyst',
    permissions: new Set(permissions),
    inAdminOrg: false,
    platformPermissions: new Set(),
    via: 'basic',
    requestId: 'test',
  };
}

/** An alert document written straight to the store (the alert service is another module). */
async function newAlert(org: TestOrg): Promise<Doc> {
  const s = t.running.services;
  return s.store.insert({
    _id: s.store.newId(),
    _type: 'alert',
    _createdAt: Date.now(),
    _createdBy: org.analyst.login,
    _orgs: [org.id],
    _parents: {},
    type: 'test',
    source: 'unit',
    sourceRef: s.store.newId(),
    title: 'alert',
    description: 'd',
    severity: 2,
    date: Date.now(),
    tlp: 2,
    pap: 2,
    status: 'New',
    stage: 'New',
    follow: true,
  });
}

void test('comment on a case: create == getComment == case comments; underscored and plain system fields', async () => {
  const caseId = await newCase(a);
  const api = t.as(a.analyst);
  const created = await api.post(`/api/v1/case/${caseId}/comment`, { message: 'test comment' });
  assert.equal(created.status, 201, created.text);
  const c = created.body;
  assert.equal(c._type, 'Comment');
  assert.equal(c.message, 'test comment');
  assert.equal(c.isEdited, false);
  assert.equal(c.createdBy, a.analyst.login);
  assert.equal(c._createdBy, a.analyst.login);
  assert.equal(c.createdAt, c._createdAt);
  assert.equal(c.updatedAt, undefined);
  assert.deepEqual(c.extraData, {});

  assert.deepEqual((await api.query([{ _name: 'getComment', idOrName: c._id }])).body, [c]);
  assert.deepEqual((await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'comments' }])).body, [c]);

  const second = (await api.post(`/api/v1/case/${caseId}/comment`, { message: 'second' })).body;
  const sorted = await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'comments' }, { _name: 'sort', _fields: [{ createdAt: 'desc' }] }]);
  assert.deepEqual(
    sorted.body.map((x: { _id: string }) => x._id),
    [second._id, c._id],
  );
  const byAuthor = await api.query([{ _name: 'listComment' }, { _name: 'filter', _eq: { _field: 'createdBy', _value: a.analyst.login } }, { _name: 'count' }]);
  assert.ok(byAuthor.body >= 2);
});

void test('only the author edits; author or case deleter deletes', async () => {
  const caseId = await newCase(a);
  const byAnalyst = (await t.as(a.analyst).post(`/api/v1/case/${caseId}/comment`, { message: 'mine' })).body;
  const byAdmin = (await t.as(a.admin).post(`/api/v1/case/${caseId}/comment`, { message: 'admin' })).body;

  assert.equal((await t.as(a.analyst).patch(`/api/v1/comment/${byAnalyst._id}`, { message: 'updated comment' })).status, 204);
  const updated = (await t.as(a.analyst).query([{ _name: 'getComment', idOrName: byAnalyst._id }])).body[0];
  assert.equal(updated.message, 'updated comment');
  assert.equal(updated.isEdited, true);
  assert.equal(updated.updatedBy, a.analyst.login);
  assert.equal(updated._updatedBy, a.analyst.login);
  assert.equal(typeof updated.updatedAt, 'number');

  const notAuthor = await t.as(a.admin).patch(`/api/v1/comment/${byAnalyst._id}`, { message: 'hijack' });
  assert.equal(notAuthor.status, 403);
  assert.equal(notAuthor.body.type, 'AuthorizationError');

  // the analyst (no manageCase/delete) may not delete someone else's comment
  const cannot = await t.as(a.analyst).delete(`/api/v1/comment/${byAdmin._id}`);
  assert.equal(cannot.status, 403);
  // org-admin holds manageCase/delete and may
  assert.equal((await t.as(a.admin).delete(`/api/v1/comment/${byAnalyst._id}`)).status, 204);
  assert.deepEqual((await t.as(a.analyst).query([{ _name: 'getComment', idOrName: byAnalyst._id }])).body, []);
  assert.equal((await t.as(a.admin).delete(`/api/v1/comment/${byAdmin._id}`)).status, 204);
  assert.equal((await t.as(a.admin).delete(`/api/v1/comment/${byAdmin._id}`)).status, 404);
});

void test('bad input gets 4xx', async () => {
  const caseId = await newCase(a);
  const api = t.as(a.analyst);
  for (const body of [{}, { message: '' }, { message: 3 }]) {
    const r = await api.post(`/api/v1/case/${caseId}/comment`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.type, 'AttributeCheckingError');
  }
  const c = (await api.post(`/api/v1/case/${caseId}/comment`, { message: 'x' })).body;
  assert.equal((await api.patch(`/api/v1/comment/${c._id}`, {})).status, 400);
  assert.equal((await api.post('/api/v1/case/~999999999/comment', { message: 'x' })).status, 404);
  assert.equal((await api.patch('/api/v1/comment/~999999999', { message: 'x' })).status, 404);
});

void test('another organisation gets 404 and sees nothing', async () => {
  const caseId = await newCase(a);
  const c = (await t.as(a.analyst).post(`/api/v1/case/${caseId}/comment`, { message: 'a-only comment' })).body;
  const other = t.as(b.admin);
  assert.equal((await other.post(`/api/v1/case/${caseId}/comment`, { message: 'x' })).status, 404);
  assert.equal((await other.patch(`/api/v1/comment/${c._id}`, { message: 'x' })).status, 404);
  assert.equal((await other.delete(`/api/v1/comment/${c._id}`)).status, 404);
  assert.deepEqual((await other.query([{ _name: 'getComment', idOrName: c._id }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'listComment' }, { _name: 'filter', _eq: { _field: 'message', _value: 'a-only comment' } }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'comments' }])).body, []);
  assert.equal((await t.as(a.analyst).query([{ _name: 'getComment', idOrName: c._id }])).body[0].message, 'a-only comment');
});

void test('read-only users read comments but get 403 on writes', async () => {
  const caseId = await newCase(a);
  const c = (await t.as(a.analyst).post(`/api/v1/case/${caseId}/comment`, { message: 'ro' })).body;
  const ro = t.as(a.readonly);
  assert.deepEqual((await ro.query([{ _name: 'getComment', idOrName: c._id }])).body, [c]);
  for (const r of [
    await ro.post(`/api/v1/case/${caseId}/comment`, { message: 'x' }),
    await ro.patch(`/api/v1/comment/${c._id}`, { message: 'x' }),
    await ro.delete(`/api/v1/comment/${c._id}`),
  ]) {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.type, 'AuthorizationError');
  }
});

void test('service: comments on an alert, with the tenant check on the alert', async () => {
  const s = t.running.services;
  const alert = await newAlert(a);
  const analyst = actorFor(a, a.analyst.login, ['manageComment']);
  const doc = await s.comments.create(analyst, { relation: 'alert', doc: alert }, 'alert comment');
  assert.deepEqual(doc._parents, { alert: alert._id });
  assert.deepEqual(doc._orgs, [a.id]);
  const viaHttp = await t.as(a.analyst).query([{ _name: 'getComment', idOrName: doc._id }]);
  assert.deepEqual(viaHttp.body, [s.comments.render(doc)]);

  await assert.rejects(s.comments.create(actorFor(b, b.analyst.login, ['manageComment']), { relation: 'alert', doc: alert }, 'x'), { type: 'NotFoundError' });
  await assert.rejects(s.comments.create(actorFor(a, a.readonly.login, []), { relation: 'alert', doc: alert }, 'x'), { type: 'AuthorizationError' });
  // deleting an alert comment by a non-author needs manageAlert/delete
  await assert.rejects(s.comments.delete(actorFor(a, a.admin.login, ['manageComment', 'manageCase/delete']), doc._id), { type: 'AuthorizationError' });
  await s.comments.delete(actorFor(a, a.admin.login, ['manageAlert/delete']), doc._id);
  assert.equal(await s.store.get('comment', doc._id), undefined);
});
