import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
});
after(async () => t.close());

test('default types exist, are visible to every organisation and render as ObservableType', async () => {
  const r = await t.as(a.analyst).get('/api/v1/observable/type/autonomous-system');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body._type, 'ObservableType');
  assert.equal(r.body.name, 'autonomous-system');
  assert.equal(r.body.isAttachment, false);
  assert.equal(r.body._createdBy, 'system@thehive.local');
  const file = await t.as(a.readonly).get('/api/v1/observable/type/file');
  assert.equal(file.body.isAttachment, true);
  const byId = await t.as(a.analyst).get(`/api/v1/observable/type/${r.body._id}`);
  assert.deepEqual(byId.body, r.body);
  const listed = await t.as(a.analyst).query([{ _name: 'listObservableType' }, { _name: 'filter', _eq: { _field: 'name', _value: 'autonomous-system' } }]);
  assert.deepEqual(listed.body, [r.body]);
  const names = (await t.as(a.analyst).query([{ _name: 'listObservableType' }, { _name: 'page', from: 0, to: 1000, extraData: [] }])).body.map(
    (x: { name: string }) => x.name,
  );
  for (const n of ['domain', 'ip', 'url', 'mail', 'file', 'fqdn', 'other', 'hash']) assert.ok(names.includes(n), n);
});

test('platform admin creates, gets and deletes a type; names are unique', async () => {
  const created = await t.admin.post('/api/v1/observable/type', { name: 'btc-wallet' });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.name, 'btc-wallet');
  assert.equal(created.body.isAttachment, false);
  assert.equal(created.body._createdBy, 'admin@thehive.local');
  assert.deepEqual((await t.as(a.analyst).get('/api/v1/observable/type/btc-wallet')).body, created.body);
  const q = await t.as(a.analyst).query([{ _name: 'getObservableType', idOrName: 'btc-wallet' }]);
  assert.deepEqual(q.body, [created.body]);
  // test reset code of thehive4py: everything not created by the system
  const custom = await t.admin.query([
    { _name: 'listObservableType' },
    { _name: 'filter', _not: { _eq: { _field: '_createdBy', _value: 'system@thehive.local' } } },
  ]);
  assert.deepEqual(
    custom.body.map((x: { name: string }) => x.name),
    ['btc-wallet'],
  );

  const dup = await t.admin.post('/api/v1/observable/type', { name: 'btc-wallet', isAttachment: true });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.type, 'CreateError');
  const dupDefault = await t.admin.post('/api/v1/observable/type', { name: 'domain' });
  assert.equal(dupDefault.status, 400);

  assert.equal((await t.admin.delete('/api/v1/observable/type/btc-wallet')).status, 204);
  assert.equal((await t.admin.get('/api/v1/observable/type/btc-wallet')).status, 404);
  // the name is free again
  const again = await t.admin.post('/api/v1/observable/type', { name: 'btc-wallet', isAttachment: true });
  assert.equal(again.status, 201);
  assert.equal(again.body.isAttachment, true);
  assert.equal((await t.admin.delete(`/api/v1/observable/type/${again.body._id}`)).status, 204);
});

test('a type in use cannot be deleted', async () => {
  assert.equal((await t.admin.post('/api/v1/observable/type', { name: 'in-use' })).status, 201);
  const c = await t.as(a.analyst).post('/api/v1/case', { title: 'c', description: 'd' });
  const o = await t.as(a.analyst).post(`/api/v1/case/${c.body._id}/observable`, { dataType: 'in-use', data: 'x' });
  assert.equal(o.status, 201, o.text);
  const del = await t.admin.delete('/api/v1/observable/type/in-use');
  assert.equal(del.status, 400);
  assert.equal(del.body.type, 'BadRequest');
  assert.equal((await t.as(a.analyst).delete(`/api/v1/observable/${o.body[0]._id}`)).status, 204);
  assert.equal((await t.admin.delete('/api/v1/observable/type/in-use')).status, 204);
});

test('only platform admins manage types', async () => {
  for (const creds of [a.admin, a.analyst, a.readonly]) {
    const r = await t.as(creds).post('/api/v1/observable/type', { name: `nope-${creds.login}` });
    assert.equal(r.status, 403, creds.login);
    assert.equal(r.body.type, 'AuthorizationError');
  }
  const del = await t.as(a.admin).delete('/api/v1/observable/type/domain');
  assert.equal(del.status, 403);
  assert.equal((await t.as(a.analyst).get('/api/v1/observable/type/domain')).status, 200);
});

test('bad input gets 4xx', async () => {
  const noName = await t.admin.post('/api/v1/observable/type', { isAttachment: true });
  assert.equal(noName.status, 400);
  assert.equal(noName.body.type, 'AttributeCheckingError');
  const badBool = await t.admin.post('/api/v1/observable/type', { name: 'x', isAttachment: 'yes' });
  assert.equal(badBool.status, 400);
  const blank = await t.admin.post('/api/v1/observable/type', { name: '   ' });
  assert.equal(blank.status, 400);
  assert.equal((await t.admin.get('/api/v1/observable/type/does-not-exist')).status, 404);
  assert.equal((await t.admin.delete('/api/v1/observable/type/does-not-exist')).status, 404);
});
