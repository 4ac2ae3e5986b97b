import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';
import { SqliteEntityStore } from '../../../storage/sqlite/sqlite-entity-store.js';
import { matchConditions } from '../../../services/alert-similarity.service.js';
import { q } from '../../../query/ir.js';
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

let seq = 0;
async function newAlert(org: TestOrg, observables: unknown[], extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  seq++;
  const r = await t
    .as(org.analyst)
    .post('/api/v1/alert', { type: 'sim', source: 'unit', sourceRef: `sim-${seq}`, title: `similar ${seq}`, description: 'd', observables, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function newCase(org: TestOrg, observables: Array<Record<string, unknown>>): Promise<Record<string, any>> {
  const c = await t.as(org.analyst).post('/api/v1/case', { title: `case ${++seq}`, description: 'd' });
  assert.equal(c.status, 201, c.text);
  for (const o of observables) {
    const r = await t.as(org.analyst).post(`/api/v1/case/${c.body._id}/observable`, o);
    assert.equal(r.status, 201, r.text);
  }
  return c.body;
}

void test('similar observables between an alert and a case or another alert; [] when none', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a, [
    { dataType: 'ip', data: '198.18.0.1' },
    { dataType: 'domain', data: 'sim.example' },
  ]);
  const alert = await newAlert(a, [
    { dataType: 'ip', data: '198.18.0.1' },
    { dataType: 'domain', data: 'other.example' },
    { dataType: 'fqdn', data: 'sim.example' },
  ]);
  const r = await c.get(`/api/v1/alert/${alert._id}/similar/${kase._id}/observables`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(
    r.body.map((o: { data: string }) => o.data),
    ['198.18.0.1'],
  );
  assert.equal(r.body[0]._type, 'Observable');

  const alert2 = await newAlert(a, [{ dataType: 'domain', data: 'other.example' }]);
  const r2 = await c.get(`/api/v1/alert/${alert._id}/similar/${alert2._id}/observables`);
  assert.deepEqual(
    r2.body.map((o: { data: string }) => o.data),
    ['other.example'],
  );
  const unrelated = await newAlert(a, [{ dataType: 'ip', data: '198.18.0.200' }]);
  assert.deepEqual((await c.get(`/api/v1/alert/${alert._id}/similar/${unrelated._id}/observables`)).body, []);
  assert.deepEqual((await c.get(`/api/v1/alert/${alert._id}/similar/${alert._id}/observables`)).body, []);
  assert.equal((await c.get(`/api/v1/alert/${alert._id}/similar/~99999999/observables`)).status, 404);
  // the other organisation sees neither
  assert.equal((await t.as(b.analyst).get(`/api/v1/alert/${alert._id}/similar/${kase._id}/observables`)).status, 404);
});

void test('extraData similarCases and similarAlerts: counts, IOC counts, types, visibility and ignoreSimilarity', async () => {
  const c = t.as(a.analyst);
  const case1 = await newCase(a, [
    { dataType: 'ip', data: '198.19.0.1', ioc: true },
    { dataType: 'ip', data: '198.19.0.2' },
    { dataType: 'url', data: 'http://s.example/x' },
    { dataType: 'domain', data: 'unrelated.example' },
  ]);
  const case2 = await newCase(a, [{ dataType: 'url', data: 'http://s.example/x', ioc: true }]);
  const ignored = await newCase(a, [{ dataType: 'ip', data: '198.19.0.2', ignoreSimilarity: true }]);
  const foreign = await newCase(b, [{ dataType: 'ip', data: '198.19.0.1' }]);
  const alert = await newAlert(a, [
    { dataType: 'ip', data: '198.19.0.1' },
    { dataType: 'ip', data: '198.19.0.2' },
    { dataType: 'url', data: 'http://s.example/x' },
    { dataType: 'other', data: '198.19.0.1' },
  ]);
  const twin = await newAlert(a, [{ dataType: 'ip', data: '198.19.0.2' }]);
  await newAlert(b, [{ dataType: 'ip', data: '198.19.0.2' }]);

  const r = await c.query([
    { _name: 'getAlert', idOrName: alert._id },
    { _name: 'page', from: 0, to: 1, extraData: ['similarCases', 'similarAlerts'] },
  ]);
  assert.equal(r.status, 200, r.text);
  const { similarCases, similarAlerts } = r.body[0].extraData;
  assert.deepEqual(
    similarCases.map((s: { case: { _id: string } }) => s.case._id),
    [case2._id, case1._id],
  );
  const [s2, s1] = similarCases;
  assert.deepEqual(s1.case, (await c.get(`/api/v1/case/${case1._id}`)).body);
  assert.equal(s1.similarObservableCount, 3);
  assert.equal(s1.similarIocCount, 1);
  assert.equal(s1.observableCount, 4);
  assert.equal(s1.iocCount, 1);
  assert.deepEqual(s1.observableTypes, { ip: 2, url: 1 });
  assert.equal(s2.similarObservableCount, 1);
  assert.equal(s2.similarIocCount, 1);
  assert.deepEqual(s2.observableTypes, { url: 1 });
  assert.ok(!similarCases.some((s: { case: { _id: string } }) => s.case._id === ignored._id || s.case._id === foreign._id));
  assert.deepEqual(
    similarAlerts.map((s: { alert: { _id: string } }) => s.alert._id),
    [twin._id],
  );
  assert.equal(similarAlerts[0].similarObservableCount, 1);
  assert.equal(similarAlerts[0].observableCount, 1);
  assert.deepEqual(similarAlerts[0].alert, (await c.get(`/api/v1/alert/${twin._id}`)).body);

  // alerts on the same page see each other
  const page = await c.query([
    { _name: 'listAlert' },
    { _name: 'filter', _in: { _field: '_id', _values: [alert._id, twin._id] } },
    { _name: 'sort', _fields: [{ _createdAt: 'asc' }] },
    { _name: 'page', from: 0, to: 2, extraData: ['similarAlerts'] },
  ]);
  assert.deepEqual(
    page.body.map((x: { extraData: { similarAlerts: Array<{ alert: { _id: string } }> } }) => x.extraData.similarAlerts.map((s) => s.alert._id)),
    [[twin._id], [alert._id]],
  );

  // an alert sharing nothing gets empty lists
  const lonely = await newAlert(a, [{ dataType: 'ip', data: '198.19.9.9' }]);
  const r2 = await c.query([
    { _name: 'getAlert', idOrName: lonely._id },
    { _name: 'page', from: 0, to: 1, extraData: ['similarCases', 'similarAlerts'] },
  ]);
  assert.deepEqual(r2.body[0].extraData, { similarCases: [], similarAlerts: [] });
});

void test('similar cases follow sharing: a case shared with the alert organisation becomes visible', async () => {
  const linked = await t.admin.put(`/api/v1/organisation/${a.name}/link/${b.name}`, { linkType: 'default', otherLinkType: 'default' });
  assert.ok(linked.status < 300, linked.text);
  const caseB = await newCase(b, [{ dataType: 'mail', data: 'shared@sim.example' }]);
  const alert = await newAlert(a, [{ dataType: 'mail', data: 'shared@sim.example' }]);
  const similar = async () =>
    (
      await t.as(a.analyst).query([
        { _name: 'getAlert', idOrName: alert._id },
        { _name: 'page', from: 0, to: 1, extraData: ['similarCases'] },
      ])
    ).body[0].extraData.similarCases.map((s: { case: { _id: string } }) => s.case._id);
  assert.deepEqual(await similar(), []);
  const share = await t.as(b.admin).post(`/api/v1/case/${caseB._id}/shares`, { shares: [{ organisation: a.name, profile: 'analyst', observableRule: 'all' }] });
  assert.ok(share.status < 300, share.text);
  assert.deepEqual(await similar(), [caseB._id]);
});

void test('GET /api/v1/observable/{id}/similar lists the cases and alerts where the data appears', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a, [{ dataType: 'hash', data: 'abc123', ioc: true }]);
  await newCase(b, [{ dataType: 'hash', data: 'abc123' }]);
  const other = await newAlert(a, [{ dataType: 'hash', data: 'abc123' }]);
  const alert = await newAlert(a, [{ dataType: 'hash', data: 'abc123' }]);
  const obs = (await c.query([{ _name: 'getAlert', idOrName: alert._id }, { _name: 'observables' }])).body[0];
  const r = await c.get(`/api/v1/observable/${obs._id}/similar`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.observableCount, 2);
  assert.equal(r.body.iocCount, 1);
  assert.deepEqual(
    r.body.cases.map((x: { case: { _id: string } }) => x.case._id),
    [kase._id],
  );
  assert.equal(r.body.cases[0].similarIocCount, 1);
  assert.deepEqual(
    r.body.alerts.map((x: { alert: { _id: string } }) => x.alert._id),
    [other._id],
  );
  assert.equal((await t.as(b.analyst).get(`/api/v1/observable/${obs._id}/similar`)).status, 404);
});

void test('similarity is served by the data lookup table (EXPLAIN), not by a scan', async () => {
  const store = t.running.services.store;
  assert.ok(store instanceof SqliteEntityStore);
  const sources = [{ data: 'x.example' }, { data: 'y.example' }, { attachmentHash: 'f'.repeat(64) }] as unknown as Doc[];
  const conds = matchConditions(sources);
  assert.equal(conds.length, 2);
  const plan = store.explain({
    entity: 'observable',
    where: q.and(conds[0]!, q.visible([a.id], [a.analyst.login])),
    sort: [],
    output: { kind: 'rows', from: 0, to: 100 },
  });
  const text = plan.join('\n');
  assert.match(text, /SCAN l\d+ VIRTUAL TABLE INDEX \d+:M/, text);
  assert.doesNotMatch(text, /^SCAN t0\b/m, text);
  const byHash = store
    .explain({ entity: 'observable', where: q.and(conds[1]!, q.visible([a.id])), sort: [], output: { kind: 'rows', from: 0, to: 100 } })
    .join('\n');
  assert.match(byHash, /USING INDEX "?i_observable_attachmentHash"?/, byHash);
});

void test('an alert lists at most MAX_SIMILAR_CASES similar cases, the most similar first', async () => {
  const { MAX_SIMILAR_CASES } = await import('../../../services/alert-similarity.service.js');
  const common = { dataType: 'domain', data: 'everywhere.example' };
  const rare = { dataType: 'ip', data: '203.0.113.250' };
  const best = await newCase(b, [common, rare]);
  for (let i = 0; i < MAX_SIMILAR_CASES; i++) await newCase(b, [common]);
  const alert = await newAlert(b, [common, rare]);
  const r = await t.as(b.analyst).query([
    { _name: 'getAlert', idOrName: alert._id },
    { _name: 'page', from: 0, to: 1, extraData: ['similarCases'] },
  ]);
  assert.equal(r.status, 200, r.text);
  const similar = r.body[0].extraData.similarCases as Array<{ case: { _id: string }; similarObservableCount: number }>;
  assert.equal(similar.length, MAX_SIMILAR_CASES);
  const top = similar.find((s) => s.case._id === best._id);
  assert.ok(top, 'the case sharing the most observables is kept');
  assert.equal(top.similarObservableCount, 2);
});
