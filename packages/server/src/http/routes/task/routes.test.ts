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

void test('create a task: defaults, and create == GET == query', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const created = await api.post(`/api/v1/case/${c._id}/task`, { title: 'triage' });
  assert.equal(created.status, 201, created.text);
  const task = created.body;
  assert.equal(task._type, 'Task');
  assert.equal(task.title, 'triage');
  assert.equal(task.group, 'default');
  assert.equal(task.status, 'Waiting');
  assert.equal(task.flag, false);
  assert.equal(task.order, 0);
  assert.equal(task.mandatory, false);
  assert.deepEqual(task.extraData, {});
  assert.equal(task._createdBy, a.analyst.login);
  assert.equal(task.startDate, undefined);
  assert.equal(task.assignee, undefined);

  const got = await api.get(`/api/v1/task/${task._id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, task);

  const byNumber = await api.post(`/api/v1/case/${c.number}/task`, { title: 'second', group: 'g', order: 2, description: 'x', mandatory: true, flag: true });
  assert.equal(byNumber.status, 201, byNumber.text);
  assert.equal(byNumber.body.group, 'g');
  assert.equal(byNumber.body.mandatory, true);

  const listed = await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }, { _name: 'sort', _fields: [{ _createdAt: 'asc' }] }]);
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.body, [task, byNumber.body]);
  const one = await api.query([{ _name: 'getTask', idOrName: task._id }]);
  assert.deepEqual(one.body, [task]);
  const found = await api.query([{ _name: 'listTask' }, { _name: 'filter', _eq: { _field: 'title', _value: 'second' } }]);
  assert.deepEqual(found.body, [byNumber.body]);
  const count = await api.query([{ _name: 'listTask' }, { _name: 'filter', _eq: { _field: 'group', _value: 'g' } }, { _name: 'count' }]);
  assert.equal(count.body, 1);
  const parentCase = await api.query([{ _name: 'getTask', idOrName: task._id }, { _name: 'case' }]);
  assert.deepEqual(
    parentCase.body.map((x: { _id: string }) => x._id),
    [c._id],
  );
});

void test('status rules: InProgress sets startDate and assignee, Completed sets endDate, Cancel allowed', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const task = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'work' })).body;
  const before = Date.now();
  assert.equal((await api.patch(`/api/v1/task/${task._id}`, { status: 'InProgress' })).status, 204);
  const started = (await api.get(`/api/v1/task/${task._id}`)).body;
  assert.equal(started.status, 'InProgress');
  assert.ok(started.startDate >= before);
  assert.equal(started.assignee, a.analyst.login);
  assert.equal(started._updatedBy, a.analyst.login);
  assert.equal(typeof started._updatedAt, 'number');

  assert.equal((await api.patch(`/api/v1/task/${task._id}`, { status: 'Completed' })).status, 204);
  const done = (await api.get(`/api/v1/task/${task._id}`)).body;
  assert.equal(done.status, 'Completed');
  assert.equal(done.startDate, started.startDate);
  assert.ok(done.endDate >= started.startDate);

  assert.equal((await api.patch(`/api/v1/task/${task._id}`, { status: 'Cancel' })).status, 204);
  assert.equal((await api.get(`/api/v1/task/${task._id}`)).body.status, 'Cancel');

  const explicit = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'dated', status: 'InProgress', startDate: 1000 })).body;
  assert.equal(explicit.startDate, 1000);
  const completed = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'already done', status: 'Completed' })).body;
  assert.equal(typeof completed.endDate, 'number');
});

void test('update fields, assignee must be a member of the organisation, nullable fields', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const task = (await api.post(`/api/v1/case/${c._id}/task`, { title: 't', assignee: a.admin.login, dueDate: 5000, description: 'd' })).body;
  assert.equal(task.assignee, a.admin.login);
  assert.equal(task.dueDate, 5000);

  assert.equal((await api.patch(`/api/v1/task/${task._id}`, { title: 'renamed', flag: true, order: 3, group: 'G' })).status, 204);
  const got = (await api.get(`/api/v1/task/${task._id}`)).body;
  assert.equal(got.title, 'renamed');
  assert.equal(got.flag, true);
  assert.equal(got.order, 3);
  assert.equal(got.group, 'G');

  const foreign = await api.patch(`/api/v1/task/${task._id}`, { assignee: b.analyst.login });
  assert.equal(foreign.status, 400);
  assert.equal(foreign.body.type, 'BadRequest');
  const unknown = await api.post(`/api/v1/case/${c._id}/task`, { title: 'x', assignee: 'nobody@nowhere' });
  assert.equal(unknown.status, 400);

  assert.equal((await api.patch(`/api/v1/task/${task._id}`, { assignee: null, dueDate: null, description: null })).status, 204);
  const cleared = (await api.get(`/api/v1/task/${task._id}`)).body;
  assert.equal(cleared.assignee, undefined);
  assert.equal(cleared.dueDate, undefined);
  assert.equal(cleared.description, undefined);
});

void test('bad input gets 4xx with {type, message}', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const noTitle = await api.post(`/api/v1/case/${c._id}/task`, { group: 'x' });
  assert.equal(noTitle.status, 400);
  assert.equal(noTitle.body.type, 'AttributeCheckingError');
  const badStatus = await api.post(`/api/v1/case/${c._id}/task`, { title: 'x', status: 'Done' });
  assert.equal(badStatus.status, 400);
  assert.equal(badStatus.body.type, 'AttributeCheckingError');
  const task = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'x' })).body;
  const badPatch = await api.patch(`/api/v1/task/${task._id}`, { status: 'Nope' });
  assert.equal(badPatch.status, 400);
  const badType = await api.patch(`/api/v1/task/${task._id}`, { order: 'first' });
  assert.equal(badType.status, 400);
  const noCase = await api.post('/api/v1/case/~999999999/task', { title: 'x' });
  assert.equal(noCase.status, 404);
  assert.equal(noCase.body.type, 'NotFoundError');
  const noTask = await api.get('/api/v1/task/~999999999');
  assert.equal(noTask.status, 404);
  const notAnId = await api.get('/api/v1/task/whatever');
  assert.equal(notAnId.status, 404);
  const emptyBulk = await api.patch('/api/v1/task/_bulk', { ids: [], title: 'x' });
  assert.equal(emptyBulk.status, 400);
});

void test('bulk update applies to every task, all or none', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const t1 = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'one' })).body;
  const t2 = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'two' })).body;
  assert.equal((await api.patch('/api/v1/task/_bulk', { ids: [t1._id, t2._id], title: 'bulk', status: 'InProgress' })).status, 204);
  for (const id of [t1._id, t2._id]) {
    const got = (await api.get(`/api/v1/task/${id}`)).body;
    assert.equal(got.title, 'bulk');
    assert.equal(got.status, 'InProgress');
    assert.equal(typeof got.startDate, 'number');
  }
  const bOnly = (await t.as(b.analyst).post(`/api/v1/case/${(await newCase(b))._id}/task`, { title: 'b task' })).body;
  const mixed = await api.patch('/api/v1/task/_bulk', { ids: [t1._id, bOnly._id], title: 'leak' });
  assert.equal(mixed.status, 404);
  assert.equal((await api.get(`/api/v1/task/${t1._id}`)).body.title, 'bulk');
  assert.equal((await t.as(b.analyst).get(`/api/v1/task/${bOnly._id}`)).body.title, 'b task');
});

void test('action required / done per organisation, keyed by organisation name', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const task = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'ar' })).body;
  assert.deepEqual((await api.get(`/api/v1/task/${task._id}/actionRequired`)).body, { [a.name]: false });
  assert.equal((await api.put(`/api/v1/task/${task._id}/actionRequired/${a.name}`)).status, 204);
  assert.deepEqual((await api.get(`/api/v1/task/${task._id}/actionRequired`)).body, { [a.name]: true });
  assert.equal((await api.put(`/api/v1/task/${task._id}/actionDone/${a.id}`)).status, 204);
  assert.deepEqual((await api.get(`/api/v1/task/${task._id}/actionRequired`)).body, { [a.name]: false });
  // an organisation that does not see the task
  const other = await api.put(`/api/v1/task/${task._id}/actionRequired/${b.name}`);
  assert.equal(other.status, 404);
  const missing = await api.put(`/api/v1/task/${task._id}/actionRequired/no-such-org`);
  assert.equal(missing.status, 404);
  // the rendered task is unchanged by the internal flags
  assert.deepEqual(Object.keys((await api.get(`/api/v1/task/${task._id}`)).body).includes('actionRequired'), false);
});

void test('delete a task removes it and its logs', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const task = (await api.post(`/api/v1/case/${c._id}/task`, { title: 'gone' })).body;
  const log = (await api.post(`/api/v1/task/${task._id}/log`, { message: 'm' })).body;
  assert.equal((await api.delete(`/api/v1/task/${task._id}`)).status, 204);
  assert.equal((await api.get(`/api/v1/task/${task._id}`)).status, 404);
  assert.deepEqual((await api.query([{ _name: 'getLog', idOrName: log._id }])).body, []);
  assert.equal((await api.delete(`/api/v1/task/${task._id}`)).status, 404);
});

void test('another organisation gets 404 on every task endpoint and sees nothing in queries', async () => {
  const c = await newCase(a);
  const task = (await t.as(a.analyst).post(`/api/v1/case/${c._id}/task`, { title: 'a-secret' })).body;
  const other = t.as(b.admin);
  assert.equal((await other.post(`/api/v1/case/${c._id}/task`, { title: 'x' })).status, 404);
  assert.equal((await other.get(`/api/v1/task/${task._id}`)).status, 404);
  assert.equal((await other.patch(`/api/v1/task/${task._id}`, { title: 'pwned' })).status, 404);
  assert.equal((await other.patch('/api/v1/task/_bulk', { ids: [task._id], title: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/task/${task._id}`)).status, 404);
  assert.equal((await other.get(`/api/v1/task/${task._id}/actionRequired`)).status, 404);
  assert.equal((await other.put(`/api/v1/task/${task._id}/actionRequired/${b.name}`)).status, 404);
  assert.equal((await other.put(`/api/v1/task/${task._id}/actionDone/${a.name}`)).status, 404);
  assert.deepEqual((await other.query([{ _name: 'listTask' }, { _name: 'filter', _eq: { _field: 'title', _value: 'a-secret' } }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'getTask', idOrName: task._id }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }])).body, []);
  assert.equal((await t.as(a.analyst).get(`/api/v1/task/${task._id}`)).body.title, 'a-secret');
});

void test('read-only users can read tasks but get 403 on writes', async () => {
  const c = await newCase(a);
  const task = (await t.as(a.analyst).post(`/api/v1/case/${c._id}/task`, { title: 'ro' })).body;
  const ro = t.as(a.readonly);
  assert.equal((await ro.get(`/api/v1/task/${task._id}`)).status, 200);
  assert.equal((await ro.get(`/api/v1/task/${task._id}/actionRequired`)).status, 200);
  for (const r of [
    await ro.post(`/api/v1/case/${c._id}/task`, { title: 'x' }),
    await ro.patch(`/api/v1/task/${task._id}`, { title: 'x' }),
    await ro.patch('/api/v1/task/_bulk', { ids: [task._id], title: 'x' }),
    await ro.delete(`/api/v1/task/${task._id}`),
    await ro.put(`/api/v1/task/${task._id}/actionRequired/${a.name}`),
    await ro.put(`/api/v1/task/${task._id}/actionDone/${a.name}`),
  ]) {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.type, 'AuthorizationError');
  }
  assert.equal((await ro.get(`/api/v1/task/${task._id}`)).body.title, 'ro');
});
