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

async function field(name: string, type = 'string', extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const r = await t.admin.post('/api/v1/customField', { name, group: 'default', description: `${name} field`, type, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

void test('platform admin creates a definition; every organisation lists it, identical to the create answer', async () => {
  const created = await t.admin.post('/api/v1/customField', {
    name: 'my-field',
    displayName: 'My Field',
    description: '...',
    group: 'default',
    type: 'string',
    options: [],
  });
  assert.equal(created.status, 201, created.text);
  const cf = created.body;
  assert.equal(cf._type, 'CustomField');
  assert.equal(cf.name, 'my-field');
  assert.equal(cf.displayName, 'My Field');
  assert.equal(cf.type, 'string');
  assert.deepEqual(cf.options, []);
  assert.equal(cf.mandatory, false);
  assert.deepEqual(cf.extraData, {});
  for (const who of [t.admin, t.as(a.analyst), t.as(b.readonly)]) {
    const list = await who.get('/api/v1/customField');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.find((x: { _id: string }) => x._id === cf._id),
      cf,
    );
  }
  const byName = await t.as(a.analyst).get('/api/v1/customField/my-field');
  assert.deepEqual(byName.body, cf);
  const queried = await t.as(a.analyst).query([{ _name: 'listCustomField' }, { _name: 'filter', _eq: { _field: 'name', _value: 'my-field' } }]);
  assert.deepEqual(queried.body, [cf]);
  const defaulted = await field('no-display');
  assert.equal(defaulted.displayName, 'no-display');
});

void test('only platform administrators manage definitions', async () => {
  for (const creds of [a.admin, a.analyst, a.readonly]) {
    const r = await t.as(creds).post('/api/v1/customField', { name: 'nope', group: 'g', description: 'd', type: 'string' });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.type, 'AuthorizationError');
  }
  const cf = await field('admin-only');
  assert.equal((await t.as(a.admin).patch(`/api/v1/customField/${String(cf._id)}`, { displayName: 'x' })).status, 403);
  assert.equal((await t.as(a.admin).delete(`/api/v1/customField/${String(cf._id)}?force=True`)).status, 403);
  assert.equal((await t.admin.get('/api/v1/customField/admin-only')).body.displayName, 'admin-only');
});

void test('bad definitions are 4xx: duplicate name, unknown type, options of the wrong type, bad name, missing fields', async () => {
  await field('dup');
  const dup = await t.admin.post('/api/v1/customField', { name: 'dup', group: 'g', description: 'd', type: 'string' });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.type, 'CreateError');
  const badType = await t.admin.post('/api/v1/customField', { name: 'bt', group: 'g', description: 'd', type: 'colour' });
  assert.equal(badType.status, 400);
  assert.equal(badType.body.type, 'AttributeCheckingError');
  const badOptions = await t.admin.post('/api/v1/customField', { name: 'bo', group: 'g', description: 'd', type: 'integer', options: [1, 'two'] });
  assert.equal(badOptions.status, 400);
  const badName = await t.admin.post('/api/v1/customField', { name: 'has space', group: 'g', description: 'd', type: 'string' });
  assert.equal(badName.status, 400);
  const missing = await t.admin.post('/api/v1/customField', { name: 'm', type: 'string' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.type, 'AttributeCheckingError');
  const ok = await field('opts', 'integer', { options: [1, 2, 2, 3] });
  assert.deepEqual(ok.options, [1, 2, 3]);
});

void test('update: displayName, type and options; the list shows the change', async () => {
  const cf = await field('to-update');
  const r = await t.admin.patch(`/api/v1/customField/${String(cf._id)}`, { displayName: 'something else ...', type: 'float' });
  assert.equal(r.status, 204, r.text);
  assert.equal(r.text, '');
  const list = await t.admin.get('/api/v1/customField');
  const updated = list.body.find((x: { _id: string }) => x._id === cf._id);
  assert.equal(updated.displayName, 'something else ...');
  assert.equal(updated.type, 'float');
  assert.equal(updated._updatedBy, 'admin@thehive.local');
  assert.equal((await t.admin.patch('/api/v1/customField/to-update', { options: [1.5, 2] })).status, 204);
  assert.equal((await t.admin.patch('/api/v1/customField/to-update', { options: ['x'] })).status, 400);
  assert.equal((await t.admin.patch('/api/v1/customField/to-update', { type: 'colour' })).status, 400);
  assert.equal((await t.admin.patch('/api/v1/customField/~999999999', { displayName: 'x' })).status, 404);
});

void test('delete: second delete is a 404; values block deletion unless forced, which removes them', async () => {
  const unused = await field('unused');
  assert.equal((await t.admin.delete(`/api/v1/customField/${String(unused._id)}?force=False`)).status, 204);
  const again = await t.admin.delete(`/api/v1/customField/${String(unused._id)}?force=False`);
  assert.equal(again.status, 404);
  assert.equal(again.body.type, 'NotFoundError');

  await field('used');
  await field('kept', 'integer');
  const c = await t.as(a.analyst).post('/api/v1/case', { title: 'cf', description: 'd', customFields: { used: 'v', kept: 3 } });
  assert.equal(c.status, 201, c.text);
  assert.deepEqual(
    c.body.customFields.map((x: { name: string; value: unknown }) => [x.name, x.value]),
    [
      ['used', 'v'],
      ['kept', 3],
    ],
  );
  const refused = await t.admin.delete('/api/v1/customField/used?force=False');
  assert.equal(refused.status, 400, refused.text);
  assert.equal((await t.admin.get('/api/v1/customField/used')).status, 200);
  assert.equal((await t.admin.delete('/api/v1/customField/used?force=True')).status, 204);
  const after = await t.as(a.analyst).get(`/api/v1/case/${String(c.body._id)}`);
  assert.deepEqual(
    after.body.customFields.map((x: { name: string }) => x.name),
    ['kept'],
  );
  assert.equal((await t.admin.get('/api/v1/customField/used')).status, 404);
  // the name is free again
  await field('used');
});

void test('case values are checked against the definitions', async () => {
  await field('an-int', 'integer');
  await field('a-choice', 'string', { options: ['red', 'blue'] });
  const api = t.as(a.analyst);
  assert.equal((await api.post('/api/v1/case', { title: 'x', description: 'd', customFields: { 'an-int': 'abc' } })).status, 400);
  assert.equal((await api.post('/api/v1/case', { title: 'x', description: 'd', customFields: { 'a-choice': 'green' } })).status, 400);
  assert.equal((await api.post('/api/v1/case', { title: 'x', description: 'd', customFields: { 'not-defined': 1 } })).status, 400);
  const ok = await api.post('/api/v1/case', { title: 'x', description: 'd', customFields: [{ name: 'a-choice', value: 'red' }] });
  assert.equal(ok.status, 201, ok.text);
});

void test('DELETE /api/v1/case/customField/{valueId}: tenant check first, read-only refused, second delete 404', async () => {
  await field('removable');
  const c = await t.as(a.analyst).post('/api/v1/case', { title: 'v', description: 'd', customFields: { removable: 'x' } });
  const valueId = c.body.customFields[0]._id as string;
  const other = await t.as(b.admin).delete(`/api/v1/case/customField/${valueId}`);
  assert.equal(other.status, 404);
  const ro = await t.as(a.readonly).delete(`/api/v1/case/customField/${valueId}`);
  assert.equal(ro.status, 403);
  assert.equal(ro.body.type, 'AuthorizationError');
  assert.equal((await t.as(a.analyst).delete(`/api/v1/case/customField/${valueId}`)).status, 204);
  const got = await t.as(a.analyst).get(`/api/v1/case/${String(c.body._id)}`);
  assert.deepEqual(got.body.customFields, []);
  assert.equal((await t.as(a.analyst).delete(`/api/v1/case/customField/${valueId}`)).status, 404);
});
