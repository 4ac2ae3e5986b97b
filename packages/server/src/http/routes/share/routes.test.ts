import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Client, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;
let c: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  c = await t.org('org-c');
  const r = await t.admin.put('/api/v1/organisation/org-a/link/org-b', {});
  assert.equal(r.status, 204, r.text);
});
after(async () => t.close());

let n = 0;
interface Made {
  id: string;
  taskId: string;
  obsId: string;
  logId: string;
  commentId: string;
  pageId: string;
  procedureId: string;
}

async function newCase(client: Client, extra: Record<string, unknown> = {}): Promise<Made> {
  const cr = await client.post('/api/v1/case', { title: `case ${++n}`, description: 'd', ...extra });
  assert.equal(cr.status, 201, cr.text);
  const task = await client.post(`/api/v1/case/${cr.body._id}/task`, { title: `task ${n}` });
  assert.equal(task.status, 201, task.text);
  const obs = await client.post(`/api/v1/case/${cr.body._id}/observable`, { dataType: 'domain', data: `x${n}.example.com` });
  assert.equal(obs.status, 201, obs.text);
  const log = await client.post(`/api/v1/task/${task.body._id}/log`, { message: `log ${n}` });
  assert.equal(log.status, 201, log.text);
  const comment = await client.post(`/api/v1/case/${cr.body._id}/comment`, { message: `comment ${n}` });
  assert.equal(comment.status, 201, comment.text);
  const page = await client.post(`/api/v1/case/${cr.body._id}/page`, { title: `page ${n}`, content: 'c', category: 'notes' });
  assert.equal(page.status, 201, page.text);
  const procedure = await client.post(`/api/v1/case/${cr.body._id}/procedure`, { occurDate: 1_700_000_000_000, patternId: 'T1059.006', tactic: 'execution' });
  assert.equal(procedure.status, 201, procedure.text);
  return {
    id: cr.body._id,
    taskId: task.body._id,
    obsId: obs.body[0]._id,
    logId: log.body._id,
    commentId: comment.body._id,
    pageId: page.body._id,
    procedureId: procedure.body._id,
  };
}

/** Everything org B's user could use to reach the case: all must show nothing. */
async function assertInvisible(client: Client, k: Made): Promise<void> {
  assert.equal((await client.get(`/api/v1/case/${k.id}`)).status, 404);
  assert.equal((await client.patch(`/api/v1/case/${k.id}`, { title: 'pwned' })).status, 404);
  assert.equal((await client.delete(`/api/v1/case/${k.id}`)).status, 404);
  assert.equal((await client.get(`/api/v1/task/${k.taskId}`)).status, 404);
  assert.equal((await client.patch(`/api/v1/task/${k.taskId}`, { title: 'pwned' })).status, 404);
  assert.equal((await client.get(`/api/v1/observable/${k.obsId}`)).status, 404);
  assert.equal((await client.patch(`/api/v1/observable/${k.obsId}`, { message: 'pwned' })).status, 404);
  assert.equal((await client.post(`/api/v1/case/${k.id}/task`, { title: 'intruder' })).status, 404);
  assert.deepEqual((await client.get(`/api/v1/case/${k.id}/shares`)).body, []);
  const ids = (r: { body: Array<{ _id: string }> }) => r.body.map((x) => x._id);
  assert.ok(!ids(await client.query([{ _name: 'listCase' }])).includes(k.id));
  assert.deepEqual((await client.query([{ _name: 'getCase', idOrName: k.id }])).body, []);
  assert.deepEqual((await client.query([{ _name: 'getCase', idOrName: k.id }, { _name: 'tasks' }])).body, []);
  assert.deepEqual((await client.query([{ _name: 'getCase', idOrName: k.id }, { _name: 'observables' }])).body, []);
  assert.ok(!ids(await client.query([{ _name: 'listTask' }])).includes(k.taskId));
  assert.ok(!ids(await client.query([{ _name: 'listObservable' }])).includes(k.obsId));
  assert.deepEqual((await client.query([{ _name: 'getTask', idOrName: k.taskId }])).body, []);
  assert.deepEqual((await client.query([{ _name: 'listCase' }, { _name: 'filter', _eq: { _field: '_id', _value: k.id } }, { _name: 'count' }])).body, 0);
  for (const chain of ['comments', 'pages', 'procedures', 'attachments', 'alerts']) {
    assert.deepEqual((await client.query([{ _name: 'getCase', idOrName: k.id }, { _name: chain }])).body, [], chain);
  }
  assert.deepEqual((await client.query([{ _name: 'getTask', idOrName: k.taskId }, { _name: 'logs' }])).body, []);
  assert.deepEqual((await client.query([{ _name: 'getTask', idOrName: k.taskId }, { _name: 'case' }])).body, []);
  assert.deepEqual((await client.query([{ _name: 'getObservable', idOrName: k.obsId }, { _name: 'case' }])).body, []);
  for (const [source, id] of [
    ['getLog', k.logId],
    ['getComment', k.commentId],
    ['getPage', k.pageId],
    ['getProcedure', k.procedureId],
    ['getObservable', k.obsId],
  ] as const) {
    assert.deepEqual((await client.query([{ _name: source, idOrName: id }])).body, [], source);
  }
  for (const [source, id] of [
    ['listLog', k.logId],
    ['listComment', k.commentId],
    ['listProcedure', k.procedureId],
  ] as const) {
    assert.ok(!ids(await client.query([{ _name: source }])).includes(id), source);
  }
  // the same children reached from a case the user does see, by filtering on a foreign parent id
  assert.deepEqual((await client.query([{ _name: 'listTask' }, { _name: 'filter', _eq: { _field: '_id', _value: k.taskId } }])).body, []);
  assert.equal((await client.get(`/api/v1/case/${k.id}/timeline`)).status, 404);
  assert.equal((await client.patch(`/api/v1/log/${k.logId}`, { message: 'pwned' })).status, 404);
  assert.equal((await client.patch(`/api/v1/comment/${k.commentId}`, { message: 'pwned' })).status, 404);
  assert.equal((await client.patch(`/api/v1/case/${k.id}/page/${k.pageId}`, { title: 'pwned' })).status, 404);
  assert.equal((await client.patch(`/api/v1/procedure/${k.procedureId}`, { description: 'pwned' })).status, 404);
  assert.equal((await client.post(`/api/v1/task/${k.taskId}/log`, { message: 'intruder' })).status, 404);
  assert.equal((await client.post(`/api/v1/case/${k.id}/comment`, { message: 'intruder' })).status, 404);
  assert.equal((await client.get(`/api/v1/case/${k.id}/links`)).status, 404);
  assert.equal((await client.get(`/api/v1/case/${k.id}/export?password=x`)).status, 404);
}

test('an unshared case is invisible to another organisation, linked or not', async () => {
  const k = await newCase(t.as(a.analyst));
  await assertInvisible(t.as(b.admin), k);
  await assertInvisible(t.as(b.analyst), k);
  await assertInvisible(t.as(c.admin), k);
  assert.equal((await t.as(b.admin).post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b' }] })).status, 404);
  assert.equal((await t.as(b.admin).post(`/api/v1/case/${k.id}/owner`, { organisation: 'org-b' })).status, 404);
  assert.equal((await t.as(b.admin).post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'UserAccessKind', users: ['analyst@org-b'] } })).status, 404);
});

test('share read-only: B reads the case and its data, writes nothing; after unshare B sees nothing again', async () => {
  const owner = t.as(a.analyst);
  const k = await newCase(owner);
  const shared = await owner.post(`/api/v1/case/${k.id}/shares`, {
    shares: [{ organisation: 'org-b', profile: 'read-only', taskRule: 'all', observableRule: 'all' }],
  });
  assert.equal(shared.status, 200, shared.text);
  assert.equal(shared.body.length, 1);
  assert.equal(shared.body[0]._type, 'Share');
  assert.equal(shared.body[0].organisationName, 'org-b');
  assert.equal(shared.body[0].profileName, 'read-only');
  assert.equal(shared.body[0].owner, false);
  assert.equal(shared.body[0].caseId, k.id);
  assert.equal(shared.body[0].taskRule, 'all');

  const listed = await owner.get(`/api/v1/case/${k.id}/shares`);
  assert.deepEqual(listed.body, shared.body);
  const fromB = await t.as(b.analyst).get(`/api/v1/case/${k.id}/shares`);
  assert.equal(fromB.body.length, 1);
  assert.equal(fromB.body[0].organisationName, 'org-a');
  assert.equal(fromB.body[0].owner, true);

  const bc = t.as(b.analyst);
  const got = await bc.get(`/api/v1/case/${k.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, (await owner.get(`/api/v1/case/${k.id}`)).body);
  assert.equal((await bc.get(`/api/v1/task/${k.taskId}`)).status, 200);
  assert.equal((await bc.get(`/api/v1/observable/${k.obsId}`)).status, 200);
  assert.deepEqual(
    (await bc.query([{ _name: 'getCase', idOrName: k.id }, { _name: 'tasks' }])).body.map((x: { _id: string }) => x._id),
    [k.taskId],
  );
  assert.deepEqual(
    (await bc.query([{ _name: 'getCase', idOrName: k.id }, { _name: 'observables' }])).body.map((x: { _id: string }) => x._id),
    [k.obsId],
  );
  assert.ok((await bc.query([{ _name: 'listCase' }])).body.some((x: { _id: string }) => x._id === k.id));

  assert.deepEqual(
    (await bc.query([{ _name: 'getTask', idOrName: k.taskId }, { _name: 'logs' }])).body.map((x: { _id: string }) => x._id),
    [k.logId],
  );
  for (const [chain, id] of [
    ['comments', k.commentId],
    ['pages', k.pageId],
    ['procedures', k.procedureId],
  ] as const) {
    assert.deepEqual(
      (await bc.query([{ _name: 'getCase', idOrName: k.id }, { _name: chain }])).body.map((x: { _id: string }) => x._id),
      [id],
      chain,
    );
  }
  assert.equal((await bc.get(`/api/v1/case/${k.id}/timeline`)).status, 200);

  // the share profile caps B's analyst: no write anywhere in the case
  for (const r of [
    await bc.patch(`/api/v1/case/${k.id}`, { title: 'changed by B' }),
    await bc.patch('/api/v1/case/_bulk', { ids: [k.id], title: 'changed by B' }),
    await bc.patch(`/api/v1/task/${k.taskId}`, { title: 'changed by B' }),
    await bc.post(`/api/v1/case/${k.id}/task`, { title: 'B task' }),
    await bc.patch(`/api/v1/observable/${k.obsId}`, { message: 'changed by B' }),
    await bc.post(`/api/v1/case/${k.id}/observable`, { dataType: 'ip', data: '10.0.0.1' }),
    await bc.post(`/api/v1/case/${k.id}/comment`, { message: 'hi' }),
    await bc.post(`/api/v1/task/${k.taskId}/log`, { message: 'B log' }),
    await bc.patch(`/api/v1/log/${k.logId}`, { message: 'changed by B' }),
    await bc.patch(`/api/v1/case/${k.id}/page/${k.pageId}`, { title: 'changed by B' }),
    await bc.patch(`/api/v1/procedure/${k.procedureId}`, { description: 'changed by B' }),
    await bc.post(`/api/v1/case/${k.id}/page`, { title: 'B page', content: 'c', category: 'x' }),
    await bc.post(`/api/v1/case/${k.id}/link/external/add`, { type: 'x', url: 'https://b.example' }),
    await bc.post(`/api/v1/case/${k.id}/observable/_merge`),
  ]) {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.type, 'AuthorizationError');
  }
  for (const r of [
    await t.as(b.admin).delete(`/api/v1/comment/${k.commentId}`),
    await t.as(b.admin).delete(`/api/v1/task/${k.taskId}`),
    await t.as(b.admin).delete(`/api/v1/log/${k.logId}`),
    await t.as(b.admin).delete(`/api/v1/observable/${k.obsId}`),
    await t.as(b.admin).delete(`/api/v1/case/${k.id}/page/${k.pageId}`),
    await t.as(b.admin).delete(`/api/v1/procedure/${k.procedureId}`),
  ]) {
    assert.equal(r.status, 403, r.text);
  }
  assert.notEqual((await bc.delete(`/api/v1/case/${k.id}`)).status, 204);
  assert.notEqual((await t.as(b.admin).delete(`/api/v1/case/${k.id}`)).status, 204);
  assert.equal((await owner.get(`/api/v1/case/${k.id}`)).body.title, got.body.title);
  // only the owner shares, unshares, restricts and transfers
  assert.equal((await t.as(b.admin).post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-c' }] })).status, 403);
  assert.equal((await t.as(b.admin).delete(`/api/v1/case/${k.id}/shares`, { organisations: ['org-a'] })).status, 403);
  assert.equal((await t.as(b.admin).post(`/api/v1/case/${k.id}/owner`, { organisation: 'org-b' })).status, 403);

  const un = await owner.delete(`/api/v1/case/${k.id}/shares`, { organisations: ['org-b'] });
  assert.equal(un.status, 204, un.text);
  await assertInvisible(bc, k);
  await assertInvisible(t.as(b.admin), k);
  assert.deepEqual((await owner.get(`/api/v1/case/${k.id}/shares`)).body, []);
  assert.equal((await owner.get(`/api/v1/task/${k.taskId}`)).status, 200);
});

test('share analyst: B works in the case, its new task is visible to A, but B cannot delete the case', async () => {
  const owner = t.as(a.analyst);
  const k = await newCase(owner);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: b.id, taskRule: 'all', observableRule: 'all' }] })).status, 200);
  const bc = t.as(b.analyst);
  assert.equal((await bc.patch(`/api/v1/case/${k.id}`, { title: 'edited by B' })).status, 204);
  assert.equal((await owner.get(`/api/v1/case/${k.id}`)).body.title, 'edited by B');
  const task = await bc.post(`/api/v1/case/${k.id}/task`, { title: 'from B' });
  assert.equal(task.status, 201, task.text);
  assert.equal((await owner.get(`/api/v1/task/${task.body._id}`)).status, 200);
  assert.notEqual((await t.as(b.admin).delete(`/api/v1/case/${k.id}`)).status, 204);
  // B's read-only user stays read-only
  assert.equal((await t.as(b.readonly).patch(`/api/v1/case/${k.id}`, { title: 'x' })).status, 403);
});

test('task and observable rules: none, existingOnly, upcomingOnly', async () => {
  const owner = t.as(a.analyst);
  const bc = t.as(b.analyst);
  const seen = async (path: string) => (await bc.get(path)).status === 200;

  const none = await newCase(owner);
  await owner.post(`/api/v1/case/${none.id}/shares`, { shares: [{ organisation: 'org-b', taskRule: 'none', observableRule: 'none' }] });
  assert.equal(await seen(`/api/v1/case/${none.id}`), true);
  assert.equal(await seen(`/api/v1/task/${none.taskId}`), false);
  assert.equal(await seen(`/api/v1/observable/${none.obsId}`), false);
  const laterNone = await owner.post(`/api/v1/case/${none.id}/task`, { title: 'later' });
  assert.equal(await seen(`/api/v1/task/${laterNone.body._id}`), false);
  assert.deepEqual((await bc.query([{ _name: 'getCase', idOrName: none.id }, { _name: 'tasks' }])).body, []);

  const existing = await newCase(owner);
  await owner.post(`/api/v1/case/${existing.id}/shares`, { shares: [{ organisation: 'org-b', taskRule: 'existingOnly', observableRule: 'existingOnly' }] });
  assert.equal(await seen(`/api/v1/task/${existing.taskId}`), true);
  assert.equal(await seen(`/api/v1/observable/${existing.obsId}`), true);
  const laterExisting = await owner.post(`/api/v1/case/${existing.id}/task`, { title: 'later' });
  assert.equal(await seen(`/api/v1/task/${laterExisting.body._id}`), false);

  const upcoming = await newCase(owner);
  await owner.post(`/api/v1/case/${upcoming.id}/shares`, { shares: [{ organisation: 'org-b', taskRule: 'upcomingOnly', observableRule: 'upcomingOnly' }] });
  assert.equal(await seen(`/api/v1/task/${upcoming.taskId}`), false);
  const laterUp = await owner.post(`/api/v1/case/${upcoming.id}/task`, { title: 'later' });
  assert.equal(await seen(`/api/v1/task/${laterUp.body._id}`), true);
  const obsUp = await owner.post(`/api/v1/case/${upcoming.id}/observable`, { dataType: 'ip', data: '10.9.9.9' });
  assert.equal(await seen(`/api/v1/observable/${obsUp.body[0]._id}`), true);

  const bad = await owner.post(`/api/v1/case/${upcoming.id}/shares`, { shares: [{ organisation: 'org-c', taskRule: 'sometimes' }] });
  assert.equal(bad.status, 404); // org-c is not linked: not found before the rule is read
  const badRule = await owner.put(`/api/v1/case/${upcoming.id}/shares`, { shares: [{ organisation: 'org-b', taskRule: 'sometimes' }] });
  assert.equal(badRule.status, 400);
});

test('task and observable shares: with own organisation is a no-op; per-task sharing reaches B', async () => {
  const owner = t.as(a.analyst);
  const k = await newCase(owner);
  assert.equal((await owner.post(`/api/v1/task/${k.taskId}/shares`, { organisations: ['org-a'] })).status, 204);
  assert.deepEqual((await owner.get(`/api/v1/task/${k.taskId}/shares`)).body, []);
  assert.equal((await owner.post(`/api/v1/observable/${k.obsId}/shares`, { organisations: ['org-a'] })).status, 204);
  const quirk = await owner.get(`/api/v1/case/${k.obsId}/shares`);
  assert.equal(quirk.status, 200);
  assert.deepEqual(quirk.body, []);

  // not shared with B yet: task share is refused
  assert.equal((await owner.post(`/api/v1/task/${k.taskId}/shares`, { organisations: ['org-b'] })).status, 400);
  await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b', taskRule: 'none', observableRule: 'none' }] });
  const bc = t.as(b.analyst);
  assert.equal((await bc.get(`/api/v1/task/${k.taskId}`)).status, 404);
  assert.equal((await owner.post(`/api/v1/task/${k.taskId}/shares`, { organisations: ['org-b'] })).status, 204);
  assert.equal((await bc.get(`/api/v1/task/${k.taskId}`)).status, 200);
  const ts = await owner.get(`/api/v1/task/${k.taskId}/shares`);
  assert.deepEqual(
    ts.body.map((s: { organisationName: string }) => s.organisationName),
    ['org-b'],
  );
  assert.equal((await owner.delete(`/api/v1/task/${k.taskId}/shares`, { organisations: ['org-b'] })).status, 204);
  assert.equal((await bc.get(`/api/v1/task/${k.taskId}`)).status, 404);
  assert.equal((await owner.delete(`/api/v1/task/${k.taskId}/shares`, { organisations: ['org-a'] })).status, 400);

  assert.equal((await bc.get(`/api/v1/observable/${k.obsId}`)).status, 404);
  assert.equal((await owner.post(`/api/v1/observable/${k.obsId}/shares`, { organisations: ['org-b'] })).status, 204);
  assert.equal((await bc.get(`/api/v1/observable/${k.obsId}`)).status, 200);
  assert.equal((await owner.delete(`/api/v1/observable/${k.obsId}/shares`, { organisations: ['org-b'] })).status, 204);
  assert.equal((await bc.get(`/api/v1/observable/${k.obsId}`)).status, 404);
  // B cannot manage shares of A's task
  assert.equal((await t.as(b.admin).post(`/api/v1/task/${k.taskId}/shares`, { organisations: ['org-b'] })).status, 404);
});

test('share validation: unlinked, own organisation, duplicates, admin profiles, read-only users', async () => {
  const owner = t.as(a.analyst);
  const k = await newCase(owner);
  const unlinked = await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-c' }] });
  assert.equal(unlinked.status, 404);
  assert.equal(unlinked.body.type, 'NotFoundError');
  assert.deepEqual((await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-a' }] })).body, []);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b', profile: 'admin' }] })).status, 400);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b', profile: 'no-such-profile' }] })).status, 400);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ nope: 1 }] })).status, 400);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/shares`, 'not json')).status, 400);
  const ro = await t.as(a.readonly).post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b' }] });
  assert.equal(ro.status, 403);
  assert.equal(ro.body.type, 'AuthorizationError');
  assert.equal((await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b' }] })).status, 200);
  const again = await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b' }] });
  assert.equal(again.status, 400);
  assert.equal(again.body.type, 'CreateError');
  assert.equal((await owner.delete(`/api/v1/case/${k.id}/shares`, { organisations: ['org-a'] })).status, 400);
  assert.equal((await owner.delete(`/api/v1/case/${k.id}/shares`, { organisations: ['no-such-org'] })).status, 404);
});

test('PUT replaces the shares, PATCH and DELETE of a share by id', async () => {
  const owner = t.as(a.analyst);
  const k = await newCase(owner);
  const put = await owner.put(`/api/v1/case/${k.id}/shares`, {
    shares: [{ organisation: 'org-b', profile: 'read-only', taskRule: 'all', observableRule: 'all' }],
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.length, 1);
  assert.equal((await t.as(b.analyst).patch(`/api/v1/task/${k.taskId}`, { title: 'x' })).status, 403);

  const shareId = put.body[0]._id;
  assert.equal((await t.as(b.admin).patch(`/api/v1/case/share/${shareId}`, { profile: 'analyst' })).status, 403);
  assert.equal((await owner.patch(`/api/v1/case/share/${shareId}`, { profile: 'analyst' })).status, 204);
  assert.equal((await owner.get(`/api/v1/case/${k.id}/shares`)).body[0].profileName, 'analyst');
  assert.equal((await t.as(b.analyst).patch(`/api/v1/task/${k.taskId}`, { title: 'by B' })).status, 204);

  const same = await owner.put(`/api/v1/case/${k.id}/shares`, {
    shares: [{ organisation: 'org-b', profile: 'read-only', taskRule: 'all', observableRule: 'all' }],
  });
  assert.equal(same.body[0].profileName, 'read-only');
  assert.equal((await t.as(b.analyst).patch(`/api/v1/task/${k.taskId}`, { title: 'by B again' })).status, 403);

  const fromB = await t.as(b.analyst).get(`/api/v1/case/${k.id}/shares`);
  const ownerShare = fromB.body.find((s: { owner: boolean }) => s.owner);
  assert.equal((await owner.delete(`/api/v1/case/share/${ownerShare._id}`)).status, 403);
  assert.equal((await t.as(c.admin).delete(`/api/v1/case/share/${shareId}`)).status, 404);
  assert.equal((await owner.delete(`/api/v1/case/share/${shareId}`)).status, 204);
  await assertInvisible(t.as(b.analyst), k);

  await owner.put(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b' }] });
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${k.id}`)).status, 200);
  const emptied = await owner.put(`/api/v1/case/${k.id}/shares`, { shares: [] });
  assert.equal(emptied.status, 200);
  assert.deepEqual(emptied.body, []);
  await assertInvisible(t.as(b.analyst), k);
});

test('sharingParameters at creation share the new case', async () => {
  const owner = t.as(a.analyst);
  const cr = await owner.post('/api/v1/case', {
    title: 'born shared',
    description: 'd',
    sharingParameters: [{ organisation: 'org-b', profile: 'read-only', taskRule: 'all', observableRule: 'all' }],
    tasks: [{ title: 'initial' }],
  });
  assert.equal(cr.status, 201, cr.text);
  const got = await t.as(b.analyst).get(`/api/v1/case/${cr.body._id}`);
  assert.equal(got.status, 200);
  const tasks = await t.as(b.analyst).query([{ _name: 'getCase', idOrName: cr.body._id }, { _name: 'tasks' }]);
  assert.deepEqual(
    tasks.body.map((x: { title: string }) => x.title),
    ['initial'],
  );
  assert.equal((await t.as(b.analyst).patch(`/api/v1/case/${cr.body._id}`, { title: 'x' })).status, 403);
  const unlinked = await owner.post('/api/v1/case', { title: 'bad share', description: 'd', sharingParameters: [{ organisation: 'org-c' }] });
  assert.equal(unlinked.status >= 400 && unlinked.status < 500, true);
});

test('access restriction to users hides the case and its data from the others, in GET and in queries', async () => {
  const owner = t.as(a.analyst);
  const k = await newCase(owner);
  await owner.post(`/api/v1/case/${k.id}/shares`, { shares: [{ organisation: 'org-b', taskRule: 'all', observableRule: 'all' }] });
  const r = await owner.post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'UserAccessKind', users: ['analyst@org-a'] } });
  assert.equal(r.status, 204, r.text);
  const got = await owner.get(`/api/v1/case/${k.id}`);
  assert.deepEqual(got.body.access, { _kind: 'UserAccessKind', users: ['analyst@org-a'] });
  const fromQuery = await owner.query([{ _name: 'getCase', idOrName: k.id }]);
  assert.deepEqual(fromQuery.body[0], got.body);

  // the org-admin of the owner still sees it; the read-only user of A and B's users do not
  assert.equal((await t.as(a.admin).get(`/api/v1/case/${k.id}`)).status, 200);
  assert.equal((await t.as(a.admin).get(`/api/v1/task/${k.taskId}`)).status, 200);
  for (const other of [t.as(a.readonly), t.as(b.analyst), t.as(b.admin)]) await assertInvisible(other, k);
  const roList = await t.as(a.readonly).query([{ _name: 'listCase' }, { _name: 'count' }]);
  const adminList = await t.as(a.admin).query([{ _name: 'listCase' }, { _name: 'count' }]);
  assert.equal(adminList.body, roList.body + 1);
  // a task created later inherits the restriction
  const later = await owner.post(`/api/v1/case/${k.id}/task`, { title: 'restricted too' });
  assert.equal((await t.as(a.readonly).get(`/api/v1/task/${later.body._id}`)).status, 404);
  assert.equal((await owner.get(`/api/v1/task/${later.body._id}`)).status, 200);

  assert.equal((await owner.post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'UserAccessKind', users: ['nobody@nowhere'] } })).status, 400);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'UserAccessKind', users: ['analyst@org-c'] } })).status, 400);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'Whatever' } })).status, 400);
  assert.equal((await owner.post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'UserAccessKind', users: [] } })).status, 400);
  assert.equal((await t.as(a.readonly).post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'OrganisationAccessKind' } })).status, 404);

  assert.equal((await t.as(a.admin).post(`/api/v1/case/${k.id}/access`, { access: { _kind: 'OrganisationAccessKind' } })).status, 204);
  assert.deepEqual((await t.as(a.readonly).get(`/api/v1/case/${k.id}`)).body.access, { _kind: 'OrganisationAccessKind' });
  assert.equal((await t.as(a.readonly).get(`/api/v1/task/${later.body._id}`)).status, 200);
  assert.equal((await t.as(b.analyst).get(`/api/v1/task/${k.taskId}`)).status, 200);
});

test('owner change: to a linked organisation, keeping a profile or not', async () => {
  const owner = t.as(a.admin);
  const keep = await newCase(owner);
  assert.equal((await owner.post(`/api/v1/case/${keep.id}/owner`, { organisation: 'org-a' })).status, 204);
  assert.equal((await owner.post(`/api/v1/case/${keep.id}/owner`, { organisation: 'org-c' })).status, 404);
  assert.equal((await t.as(a.analyst).post(`/api/v1/case/${keep.id}/owner`, { organisation: 'org-b' })).status, 403);
  const moved = await owner.post(`/api/v1/case/${keep.id}/owner`, { organisation: 'org-b', keepProfile: 'read-only' });
  assert.equal(moved.status, 204, moved.text);
  // B owns everything now; A reads but cannot write
  assert.equal((await t.as(b.analyst).get(`/api/v1/task/${keep.taskId}`)).status, 200);
  assert.equal((await t.as(b.analyst).patch(`/api/v1/case/${keep.id}`, { title: 'B owns it' })).status, 204);
  assert.equal((await t.as(a.analyst).get(`/api/v1/case/${keep.id}`)).body.title, 'B owns it');
  assert.equal((await t.as(a.analyst).patch(`/api/v1/case/${keep.id}`, { title: 'A again' })).status, 403);
  assert.equal((await owner.post(`/api/v1/case/${keep.id}/owner`, { organisation: 'org-a' })).status, 403);
  const sharesB = await t.as(b.admin).get(`/api/v1/case/${keep.id}/shares`);
  assert.deepEqual(
    sharesB.body.map((s: { organisationName: string; owner: boolean; profileName: string }) => [s.organisationName, s.owner, s.profileName]),
    [['org-a', false, 'read-only']],
  );
  assert.equal((await t.as(b.admin).delete(`/api/v1/case/${keep.id}`)).status, 204);
  assert.equal((await t.as(a.analyst).get(`/api/v1/case/${keep.id}`)).status, 404);

  const drop = await newCase(owner);
  assert.equal((await owner.post(`/api/v1/case/${drop.id}/owner`, { organisation: b.id })).status, 204);
  await assertInvisible(t.as(a.admin), drop);
  await assertInvisible(t.as(a.analyst), drop);
  assert.equal((await t.as(b.analyst).get(`/api/v1/observable/${drop.obsId}`)).status, 200);
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${drop.id}`)).status, 200);
});
