import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';
import { loadAttackCatalog } from '../../../services/attack-catalog.js';
import { systemActor } from '../../../services/actor.js';

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

void test('the ATT&CK catalog is loaded once, visible to every organisation, and reloading is a no-op', async () => {
  const n = await t.as(a.readonly).query([{ _name: 'listPattern' }, { _name: 'count' }]);
  assert.equal(n.body, 835);
  const [python] = (await t.as(b.analyst).query([{ _name: 'getPattern', idOrName: 'T1059.006' }])).body;
  assert.equal(python._type, 'Pattern');
  assert.equal(python.patternId, 'T1059.006');
  assert.equal(python.name, 'Python');
  assert.deepEqual(python.tactics, ['execution']);
  assert.equal(python.url, 'https://attack.mitre.org/techniques/T1059/006');
  assert.equal(python.revoked, false);
  assert.deepEqual((await t.as(a.analyst).query([{ _name: 'getPattern', idOrName: python._id }])).body, [python]);
  const phishing = await t
    .as(a.analyst)
    .query([{ _name: 'listPattern' }, { _name: 'filter', _eq: { _field: 'tactics', _value: 'initial-access' } }, { _name: 'count' }]);
  assert.ok(phishing.body > 5);
  assert.deepEqual(await loadAttackCatalog(t.running.services.store), { inserted: 0, updated: 0 });
  assert.equal((await t.as(a.readonly).query([{ _name: 'listPattern' }, { _name: 'count' }])).body, 835);
});

void test('create in a case: pattern name and tactic label from the catalog; create == getProcedure == case -> procedures', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const occurDate = Date.now();
  const created = await api.post(`/api/v1/case/${c._id}/procedure`, { occurDate, patternId: 'T1059.006', tactic: 'execution', description: '...' });
  assert.equal(created.status, 201, created.text);
  const p = created.body;
  assert.equal(p.patternId, 'T1059.006');
  assert.equal(p.patternName, 'Python');
  assert.equal(p.tactic, 'execution');
  assert.equal(p.tacticLabel, 'Execution');
  assert.equal(p.occurDate, occurDate);
  assert.equal(p.description, '...');
  assert.deepEqual(p.extraData, {});
  assert.equal(p._createdBy, a.analyst.login);
  assert.deepEqual((await api.query([{ _name: 'getProcedure', idOrName: p._id }])).body, [p]);
  assert.deepEqual((await api.get(`/api/v1/procedure/${p._id}`)).body, p);

  const defaulted = await api.post(`/api/v1/case/${c.number}/procedure`, { occurDate, patternId: 'T1566' });
  assert.equal(defaulted.status, 201, defaulted.text);
  assert.equal(defaulted.body.patternName, 'Phishing');
  assert.equal(defaulted.body.tactic, 'initial-access');
  assert.equal(defaulted.body.tacticLabel, 'Initial Access');
  assert.equal(defaulted.body.description, undefined);

  const listed = await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'procedures' }, { _name: 'sort', _fields: [{ _createdAt: 'asc' }] }]);
  assert.deepEqual(listed.body, [p, defaulted.body]);
  const found = await api.query([{ _name: 'listProcedure' }, { _name: 'filter', _eq: { _field: 'patternId', _value: 'T1566' } }]);
  assert.deepEqual(found.body, [defaulted.body]);
  const pattern = await api.query([{ _name: 'getProcedure', idOrName: p._id }, { _name: 'pattern' }]);
  assert.equal(pattern.body[0].patternId, 'T1059.006');
});

void test('create several at once; unknown pattern or tactic is a 400 and nothing is created', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const many = await api.post(`/api/v1/case/${c._id}/procedures`, {
    procedures: [
      { occurDate: 1, patternId: 'T1059.001', tactic: 'execution' },
      { occurDate: 2, patternId: 'T1078', tactic: 'persistence', description: 'valid accounts' },
    ],
  });
  assert.equal(many.status, 201, many.text);
  assert.deepEqual(
    many.body.map((x: { patternName: string; tacticLabel: string }) => [x.patternName, x.tacticLabel]),
    [
      ['PowerShell', 'Execution'],
      ['Valid Accounts', 'Persistence'],
    ],
  );
  const unknown = await api.post(`/api/v1/case/${c._id}/procedures`, {
    procedures: [
      { occurDate: 1, patternId: 'T1059.001' },
      { occurDate: 1, patternId: 'T9999' },
    ],
  });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.type, 'BadRequest');
  const badTactic = await api.post(`/api/v1/case/${c._id}/procedure`, { occurDate: 1, patternId: 'T1059.001', tactic: 'teleportation' });
  assert.equal(badTactic.status, 400);
  const missing = await api.post(`/api/v1/case/${c._id}/procedure`, { patternId: 'T1059.001' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.type, 'AttributeCheckingError');
  assert.equal((await api.post(`/api/v1/case/${c._id}/procedures`, { procedures: [] })).status, 400);
  assert.equal((await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'procedures' }, { _name: 'count' }])).body, 2);
});

void test('update and delete; second delete is a 404; bulk delete is all-or-nothing', async () => {
  const c = await newCase(a);
  const api = t.as(a.analyst);
  const p = (await api.post(`/api/v1/case/${c._id}/procedure`, { occurDate: 1, patternId: 'T1059.006', tactic: 'execution' })).body;
  const occurDate = Date.now();
  assert.equal((await api.patch(`/api/v1/procedure/${p._id}`, { description: 'updated procedure', occurDate })).status, 204);
  let [got] = (await api.query([{ _name: 'getProcedure', idOrName: p._id }])).body;
  assert.equal(got.description, 'updated procedure');
  assert.equal(got.occurDate, occurDate);
  assert.equal(got.patternName, 'Python');
  assert.equal(got._updatedBy, a.analyst.login);
  assert.equal((await api.patch(`/api/v1/procedure/${p._id}`, { patternId: 'T1566.001' })).status, 204);
  [got] = (await api.query([{ _name: 'getProcedure', idOrName: p._id }])).body;
  assert.equal(got.patternName, 'Spearphishing Attachment');
  assert.equal(got.tactic, 'initial-access');
  assert.equal((await api.patch(`/api/v1/procedure/${p._id}`, { patternId: 'T0000' })).status, 400);

  assert.equal((await api.delete(`/api/v1/procedure/${p._id}`)).status, 204);
  assert.deepEqual((await api.query([{ _name: 'getProcedure', idOrName: p._id }])).body, []);
  assert.equal((await api.delete(`/api/v1/procedure/${p._id}`)).status, 404);

  const [x, y] = (
    await api.post(`/api/v1/case/${c._id}/procedures`, {
      procedures: [
        { occurDate: 1, patternId: 'T1566' },
        { occurDate: 2, patternId: 'T1078' },
      ],
    })
  ).body;
  const partial = await api.post('/api/v1/procedure/delete/_bulk', { ids: [x._id, '~999999999'] });
  assert.equal(partial.status, 404);
  assert.equal((await api.query([{ _name: 'getProcedure', idOrName: x._id }])).body.length, 1);
  assert.equal((await api.post('/api/v1/procedure/delete/_bulk', { ids: [x._id, y._id] })).status, 204);
  assert.equal((await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'procedures' }, { _name: 'count' }])).body, 0);
});

void test('another organisation gets 404; read-only users get 403', async () => {
  const c = await newCase(a);
  const p = (await t.as(a.analyst).post(`/api/v1/case/${c._id}/procedure`, { occurDate: 1, patternId: 'T1566' })).body;
  const other = t.as(b.admin);
  assert.equal((await other.post(`/api/v1/case/${c._id}/procedure`, { occurDate: 1, patternId: 'T1566' })).status, 404);
  assert.equal((await other.get(`/api/v1/procedure/${p._id}`)).status, 404);
  assert.equal((await other.patch(`/api/v1/procedure/${p._id}`, { description: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/procedure/${p._id}`)).status, 404);
  assert.equal((await other.post('/api/v1/procedure/delete/_bulk', { ids: [p._id] })).status, 404);
  assert.deepEqual((await other.query([{ _name: 'getProcedure', idOrName: p._id }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'listProcedure' }])).body, []);

  const ro = t.as(a.readonly);
  const denied = await ro.post(`/api/v1/case/${c._id}/procedure`, { occurDate: 1, patternId: 'T1566' });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.type, 'AuthorizationError');
  assert.equal((await ro.post(`/api/v1/case/${c._id}/procedures`, { procedures: [{ occurDate: 1, patternId: 'T1566' }] })).status, 403);
  assert.equal((await ro.patch(`/api/v1/procedure/${p._id}`, { description: 'x' })).status, 403);
  assert.equal((await ro.delete(`/api/v1/procedure/${p._id}`)).status, 403);
  assert.equal((await ro.query([{ _name: 'getProcedure', idOrName: p._id }])).body.length, 1);
});

void test('the service attaches procedures to alerts too, visible only to the alert organisation', async () => {
  const { store, procedures } = t.running.services;
  const alertId = store.newId();
  await store.insert({
    _id: alertId,
    _type: 'alert',
    _createdAt: Date.now(),
    _createdBy: a.analyst.login,
    _orgs: [a.id],
    _parents: {},
    type: 't',
    source: 's',
    sourceRef: 'r',
    title: 'alert',
    description: 'd',
  });
  const [p] = await procedures.createIn(systemActor(a.id, a.name), 'alert', alertId, [{ occurDate: 5, patternId: 'T1059.006', tactic: 'execution' }]);
  assert.equal(p!._parents.alert, alertId);
  const seen = await t.as(a.analyst).query([{ _name: 'getProcedure', idOrName: p!._id }]);
  assert.equal(seen.body[0].patternName, 'Python');
  assert.deepEqual((await t.as(b.analyst).query([{ _name: 'getProcedure', idOrName: p!._id }])).body, []);
  await assert.rejects(procedures.createIn(systemActor(b.id, b.name), 'alert', '~999999999', [{ occurDate: 5, patternId: 'T1059' }]), {
    type: 'NotFoundError',
  });
});
