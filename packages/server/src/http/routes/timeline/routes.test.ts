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

interface Ev {
  date: number;
  kind: string;
  entity: string;
  entityId: string;
  details: Record<string, unknown>;
  endDate?: number;
}

const newCase = async (org: TestOrg): Promise<string> => (await t.newCase(org.analyst, { title: 'timeline case' }))._id;

async function events(caseId: string, org: TestOrg = a): Promise<Ev[]> {
  const r = await t.as(org.analyst).get(`/api/v1/case/${caseId}/timeline`);
  assert.equal(r.status, 200, r.text);
  return r.body.events;
}

void test('a fresh case has its creation event', async () => {
  const caseId = await newCase(a);
  const evs = await events(caseId);
  assert.equal(evs.length, 1);
  assert.equal(evs[0]!.kind, 'CaseCreated');
  assert.equal(evs[0]!.entity, 'Case');
  assert.equal(evs[0]!.entityId, caseId);
  assert.equal(evs[0]!.details.title, 'timeline case');
  assert.equal(typeof evs[0]!.date, 'number');
});

void test('custom events: create, appear with entityId = event id, update, delete', async () => {
  const caseId = await newCase(a);
  const api = t.as(a.analyst);
  const now = Date.now();
  const created = await api.post(`/api/v1/case/${caseId}/customEvent`, { date: now, title: 'custom timeline event' });
  assert.equal(created.status, 201, created.text);
  const ev = created.body;
  assert.equal(ev._type, 'CustomEvent');
  assert.equal(ev.date, now);
  assert.equal(ev.title, 'custom timeline event');
  assert.equal(ev.endDate, undefined);
  assert.deepEqual(ev.extraData, {});

  let found = (await events(caseId)).find((e) => e.entityId === ev._id);
  assert.equal(found?.kind, 'CustomEvent');
  assert.equal(found?.date, now);
  assert.equal(found?.details.title, 'custom timeline event');

  const upd = { date: now + 10, endDate: now + 20, title: 'updated event', description: 'updated event description' };
  assert.equal((await api.patch(`/api/v1/customEvent/${ev._id}`, upd)).status, 204);
  found = (await events(caseId)).find((e) => e.entityId === ev._id);
  assert.equal(found?.date, now + 10);
  assert.equal(found?.endDate, now + 20);
  assert.deepEqual(found?.details, { title: 'updated event', description: 'updated event description' });
  assert.equal((await api.patch(`/api/v1/customEvent/${ev._id}`, { endDate: null, description: null })).status, 204);
  found = (await events(caseId)).find((e) => e.entityId === ev._id);
  assert.equal(found?.endDate, undefined);
  assert.deepEqual(found?.details, { title: 'updated event' });

  assert.equal((await api.delete(`/api/v1/customEvent/${ev._id}`)).status, 204);
  assert.equal(
    (await events(caseId)).some((e) => e.entityId === ev._id),
    false,
  );
  assert.equal((await api.delete(`/api/v1/customEvent/${ev._id}`)).status, 404);
});

void test('tasks started/completed, logs in timeline, observables, merged alerts and case closure, sorted by date', async () => {
  const caseId = await newCase(a);
  const api = t.as(a.analyst);
  const s = t.running.services;
  const task = (await api.post(`/api/v1/case/${caseId}/task`, { title: 'investigate' })).body;
  await api.patch(`/api/v1/task/${task._id}`, { status: 'InProgress' });
  await api.patch(`/api/v1/task/${task._id}`, { status: 'Completed' });
  await api.post(`/api/v1/case/${caseId}/task`, { title: 'waiting' });
  const inTimeline = (await api.post(`/api/v1/task/${task._id}/log`, { message: 'notable', includeInTimeline: 5 })).body;
  await api.post(`/api/v1/task/${task._id}/log`, { message: 'not notable' });

  const obs = await s.store.insert({
    _id: s.store.newId(),
    _type: 'observable',
    _createdAt: Date.now(),
    _createdBy: a.analyst.login,
    _orgs: [a.id],
    _parents: { case: caseId },
    dataType: 'ip',
    data: '10.0.0.1',
    ioc: true,
    tlp: 2,
    pap: 2,
  });
  const alert = await s.store.insert({
    _id: s.store.newId(),
    _type: 'alert',
    _createdAt: Date.now(),
    _createdBy: a.analyst.login,
    _orgs: [a.id],
    _parents: { case: caseId },
    type: 't',
    source: 's',
    sourceRef: 'r1',
    title: 'merged alert',
    caseId,
    importedDate: Date.now(),
  });

  assert.equal((await api.patch(`/api/v1/case/${caseId}`, { status: 'TruePositive', impactStatus: 'NoImpact', summary: 'done' })).status, 204);
  assert.equal((await api.patch(`/api/v1/case/${caseId}`, { status: 'InProgress' })).status, 204);

  const evs = await events(caseId);
  const kinds = evs.map((e) => `${e.kind}:${e.entityId}`);
  assert.ok(kinds.includes(`CaseCreated:${caseId}`));
  assert.ok(kinds.includes(`TaskStarted:${task._id}`));
  assert.ok(kinds.includes(`TaskCompleted:${task._id}`));
  assert.ok(kinds.includes(`LogAdded:${inTimeline._id}`));
  assert.ok(kinds.includes(`ObservableAdded:${obs._id}`));
  assert.ok(kinds.includes(`AlertMerged:${alert._id}`));
  assert.ok(kinds.includes(`CaseClosed:${caseId}`));
  assert.ok(kinds.includes(`CaseReopened:${caseId}`));
  assert.equal(evs.filter((e) => e.entity === 'Task').length, 2, 'the waiting task has no event');
  assert.equal(evs.filter((e) => e.entity === 'Log').length, 1, 'only logs flagged includeInTimeline');
  assert.equal(evs.find((e) => e.kind === 'CaseClosed')?.details.status, 'TruePositive');
  assert.equal(evs.find((e) => e.kind === 'LogAdded')?.date, 5);
  assert.equal(evs.find((e) => e.kind === 'ObservableAdded')?.details.data, '10.0.0.1');
  for (let i = 1; i < evs.length; i++) assert.ok(evs[i - 1]!.date <= evs[i]!.date, 'sorted by date');
  for (const e of evs) assert.equal(typeof e.details, 'object');
});

void test('bad input gets 4xx', async () => {
  const caseId = await newCase(a);
  const api = t.as(a.analyst);
  for (const body of [
    { title: 'no date' },
    { date: Date.now() },
    { date: 'now', title: 'x' },
    { date: 10, endDate: 5, title: 'backwards' },
    { date: 1, title: '' },
  ]) {
    const r = await api.post(`/api/v1/case/${caseId}/customEvent`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.type, 'AttributeCheckingError');
  }
  const ev = (await api.post(`/api/v1/case/${caseId}/customEvent`, { date: 10, title: 'x' })).body;
  assert.equal((await api.patch(`/api/v1/customEvent/${ev._id}`, { endDate: 1 })).status, 400);
  assert.equal((await api.patch(`/api/v1/customEvent/${ev._id}`, { date: 'x' })).status, 400);
  assert.equal((await api.get('/api/v1/case/~999999999/timeline')).status, 404);
  assert.equal((await api.post('/api/v1/case/~999999999/customEvent', { date: 1, title: 'x' })).status, 404);
});

void test('another organisation gets 404 on the timeline and custom events', async () => {
  const caseId = await newCase(a);
  const ev = (await t.as(a.analyst).post(`/api/v1/case/${caseId}/customEvent`, { date: 1, title: 'a only' })).body;
  const other = t.as(b.admin);
  assert.equal((await other.get(`/api/v1/case/${caseId}/timeline`)).status, 404);
  assert.equal((await other.post(`/api/v1/case/${caseId}/customEvent`, { date: 1, title: 'x' })).status, 404);
  assert.equal((await other.patch(`/api/v1/customEvent/${ev._id}`, { title: 'x' })).status, 404);
  assert.equal((await other.delete(`/api/v1/customEvent/${ev._id}`)).status, 404);
  assert.ok((await events(caseId)).some((e) => e.entityId === ev._id && e.details.title === 'a only'));
});

void test('read-only users read the timeline but get 403 on custom event writes', async () => {
  const caseId = await newCase(a);
  const ev = (await t.as(a.analyst).post(`/api/v1/case/${caseId}/customEvent`, { date: 1, title: 'ro' })).body;
  const ro = t.as(a.readonly);
  assert.equal((await ro.get(`/api/v1/case/${caseId}/timeline`)).status, 200);
  for (const r of [
    await ro.post(`/api/v1/case/${caseId}/customEvent`, { date: 1, title: 'x' }),
    await ro.patch(`/api/v1/customEvent/${ev._id}`, { title: 'x' }),
    await ro.delete(`/api/v1/customEvent/${ev._id}`),
  ]) {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.type, 'AuthorizationError');
  }
});
