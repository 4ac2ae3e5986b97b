import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';
import { getRaw, postMultipart } from '../attachment/test-helpers.js';

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
async function newAlert(org: TestOrg = a): Promise<Record<string, any>> {
  seq++;
  const r = await t.as(org.analyst).post('/api/v1/alert', { type: 'kids', source: 'unit', sourceRef: `kid-${seq}`, title: `alert ${seq}`, description: 'd' });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

void test('observables added later: 201 list, 207 on partial failure, 400 when all fail; counted on the alert', async () => {
  const c = t.as(a.analyst);
  const al = await newAlert();
  const created = await c.post(`/api/v1/alert/${al._id}/observable`, { dataType: 'domain', data: 'example.com' });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.length, 1);
  const found = (await c.query([{ _name: 'getAlert', idOrName: al._id }, { _name: 'observables' }])).body;
  assert.deepEqual(created.body, found);
  const partial = await c.post(`/api/v1/alert/${al._id}/observable`, { dataType: 'domain', data: ['example.com', 'example.net'] });
  assert.equal(partial.status, 207, partial.text);
  assert.equal(partial.body.success.length, 1);
  assert.equal(partial.body.failure[0].type, 'CreateError');
  const dup = await c.post(`/api/v1/alert/${al._id}/observable`, { dataType: 'domain', data: 'example.com' });
  assert.equal(dup.status, 400);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.observableCount, 2);
  assert.equal((await c.post(`/api/v1/alert/${al._id}/observable`, { dataType: 'nope', data: 'x' })).status, 400);
});

void test('observables an alert was created with (stored without claim rows) still refuse duplicates added later or made by a type change', async () => {
  const c = t.as(a.analyst);
  seq++;
  const made = await c.post('/api/v1/alert', {
    type: 'kids',
    source: 'unit',
    sourceRef: `kid-${seq}`,
    title: 'embedded',
    description: 'd',
    observables: [
      { dataType: 'domain', data: 'embedded.example' },
      { dataType: 'fqdn', data: 'embedded.example' },
      { dataType: 'ip', data: '192.0.2.77' },
    ],
  });
  assert.equal(made.status, 201, made.text);
  const id = made.body._id as string;
  const dup = await c.post(`/api/v1/alert/${id}/observable`, { dataType: 'domain', data: 'embedded.example' });
  assert.equal(dup.status, 400, dup.text);
  const partial = await c.post(`/api/v1/alert/${id}/observable`, { dataType: 'ip', data: ['192.0.2.77', '192.0.2.78'] });
  assert.equal(partial.status, 207, partial.text);
  assert.deepEqual(
    partial.body.failure.map((f: { type: string; message: string; object: { data: string } }) => [f.type, f.message, f.object.data]),
    [['CreateError', 'Observable already exists', '192.0.2.77']],
  );
  assert.equal(partial.body.success[0].data, '192.0.2.78');
  // the same data under another type is another observable
  assert.equal((await c.post(`/api/v1/alert/${id}/observable`, { dataType: 'hostname', data: 'embedded.example' })).status, 201);
  const list = (await c.query([{ _name: 'getAlert', idOrName: id }, { _name: 'observables' }])).body as Array<{ _id: string; dataType: string; data: string }>;
  assert.equal(list.length, 5);
  // a type change onto an embedded observable's key is refused and changes nothing
  const fqdn = list.find((o) => o.dataType === 'fqdn')!;
  const clash = await c.patch(`/api/v1/observable/${fqdn._id}`, { dataType: 'domain' });
  assert.equal(clash.status, 400, clash.text);
  assert.equal((await c.get(`/api/v1/observable/${fqdn._id}`)).body.dataType, 'fqdn');
  // once the embedded one is deleted, its key is free again
  const domain = list.find((o) => o.dataType === 'domain')!;
  assert.equal((await c.delete(`/api/v1/observable/${domain._id}`)).status, 204);
  assert.equal((await c.post(`/api/v1/alert/${id}/observable`, { dataType: 'domain', data: 'embedded.example' })).status, 201);
});

void test('observable from a file (multipart) on an alert', async () => {
  const al = await newAlert();
  const r = await postMultipart(t, a.analyst, `/api/v1/alert/${al._id}/observable`, [
    { name: '_json', content: JSON.stringify({ dataType: 'file', message: 'file based observable' }) },
    { name: 'attachment', filename: 'alert-observable.txt', contentType: 'text/plain', content: 'observable content' },
  ]);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const [obs] = r.json as Array<{ _id: string; attachment: { name: string } }>;
  assert.equal(obs!.attachment.name, 'alert-observable.txt');
  assert.deepEqual((await t.as(a.analyst).get(`/api/v1/observable/${obs!._id}`)).body, obs);
});

void test('comments on an alert', async () => {
  const c = t.as(a.analyst);
  const al = await newAlert();
  const created = await c.post(`/api/v1/alert/${al._id}/comment`, { message: 'my first comment' });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.message, 'my first comment');
  const found = (await c.query([{ _name: 'getAlert', idOrName: al._id }, { _name: 'comments' }])).body;
  assert.deepEqual(found, [created.body]);
  assert.equal((await c.post(`/api/v1/alert/${al._id}/comment`, {})).status, 400);
  assert.equal((await t.as(b.analyst).post(`/api/v1/alert/${al._id}/comment`, { message: 'x' })).status, 404);
  assert.equal((await t.as(a.readonly).post(`/api/v1/alert/${al._id}/comment`, { message: 'x' })).status, 403);
});

void test('procedures on an alert: one, then a list', async () => {
  const c = t.as(a.analyst);
  const al = await newAlert();
  const one = await c.post(`/api/v1/alert/${al._id}/procedure`, {
    occurDate: 1_700_000_000_000,
    patternId: 'T1059.006',
    tactic: 'execution',
    description: '...',
  });
  assert.equal(one.status, 201, one.text);
  assert.equal(one.body.patternId, 'T1059.006');
  assert.deepEqual((await c.query([{ _name: 'getAlert', idOrName: al._id }, { _name: 'procedures' }])).body, [one.body]);
  const many = await c.post(`/api/v1/alert/${al._id}/procedures`, {
    procedures: [
      { occurDate: 1, patternId: 'T1566' },
      { occurDate: 2, patternId: 'T1059' },
    ],
  });
  assert.equal(many.status, 201, many.text);
  assert.equal(many.body.length, 2);
  assert.equal((await c.post(`/api/v1/alert/${al._id}/procedure`, { occurDate: 1, patternId: 'T0000' })).status, 400);
  assert.equal((await t.as(b.analyst).post(`/api/v1/alert/${al._id}/procedure`, { occurDate: 1, patternId: 'T1566' })).status, 404);
  assert.equal((await t.as(a.readonly).post(`/api/v1/alert/${al._id}/procedures`, { procedures: [{ occurDate: 1, patternId: 'T1566' }] })).status, 403);
});

void test('embedded procedures with an unknown pattern refuse the whole alert', async () => {
  const c = t.as(a.analyst);
  const input = {
    type: 'kids',
    source: 'unit',
    sourceRef: 'bad-procedure',
    title: 't',
    description: 'd',
    observables: [{ dataType: 'ip', data: '192.0.2.77' }],
    procedures: [{ occurDate: 1, patternId: 'T0000' }],
  };
  assert.equal((await c.post('/api/v1/alert', input)).status, 400);
  const n = await c.query([{ _name: 'listAlert' }, { _name: 'filter', _eq: { _field: 'sourceRef', _value: 'bad-procedure' } }, { _name: 'count' }]);
  assert.equal(n.body, 0);
});

void test('alert attachments: add (canRename), find, download, delete', async () => {
  const c = t.as(a.analyst);
  const al = await newAlert();
  const added = await postMultipart(t, a.analyst, `/api/v1/alert/${al._id}/attachments`, [
    { name: 'canRename', content: 'True' },
    { name: 'attachments', filename: 'attachment-0.txt', content: 'content of 0' },
    { name: 'attachments', filename: 'attachment-0.txt', content: 'content of 1' },
  ]);
  assert.equal(added.status, 201, JSON.stringify(added.json));
  const atts = (added.json as { attachments: Array<{ _id: string; name: string }> }).attachments;
  assert.deepEqual(
    atts.map((x) => x.name),
    ['attachment-0.txt', 'attachment-0 (1).txt'],
  );
  const same = await postMultipart(t, a.analyst, `/api/v1/alert/${al._id}/attachments`, [
    { name: 'canRename', content: 'False' },
    { name: 'attachments', filename: 'attachment-0.txt', content: 'again' },
  ]);
  assert.equal((same.json as { attachments: Array<{ name: string }> }).attachments[0]!.name, 'attachment-0.txt');
  const listed = (await c.query([{ _name: 'getAlert', idOrName: al._id }, { _name: 'attachments' }, { _name: 'sort', _fields: [{ _createdAt: 'asc' }] }])).body;
  assert.equal(listed.length, 3);
  assert.deepEqual(listed[0], atts[0]);
  const dl = await getRaw(t, a.analyst, `/api/v1/alert/${al._id}/attachment/${atts[1]!._id}/download`);
  assert.equal(dl.status, 200);
  assert.equal(dl.bytes.toString(), 'content of 1');
  assert.match(String(dl.headers['content-disposition']), /^attachment;/);
  assert.equal((await getRaw(t, b.analyst, `/api/v1/alert/${al._id}/attachment/${atts[1]!._id}/download`)).status, 404);
  const otherAlert = await newAlert();
  assert.equal((await getRaw(t, a.analyst, `/api/v1/alert/${otherAlert._id}/attachment/${atts[1]!._id}/download`)).status, 404);

  assert.equal((await t.as(a.readonly).delete(`/api/v1/alert/${al._id}/attachment/${atts[0]!._id}`)).status, 403);
  assert.equal((await t.as(b.admin).delete(`/api/v1/alert/${al._id}/attachment/${atts[0]!._id}`)).status, 404);
  for (const x of listed) assert.equal((await c.delete(`/api/v1/alert/${al._id}/attachment/${x._id}`)).status, 204);
  assert.deepEqual((await c.query([{ _name: 'getAlert', idOrName: al._id }, { _name: 'attachments' }])).body, []);
  const none = await postMultipart(t, a.analyst, `/api/v1/alert/${al._id}/attachments`, [{ name: 'canRename', content: 'True' }]);
  assert.equal(none.status, 400);
  const ro = await postMultipart(t, a.readonly, `/api/v1/alert/${al._id}/attachments`, [{ name: 'attachments', filename: 'x.txt', content: 'x' }]);
  assert.equal(ro.status, 403);
});

void test('deleting an alert removes its comments, procedures and attachments', async () => {
  const c = t.as(a.analyst);
  const al = await newAlert();
  await c.post(`/api/v1/alert/${al._id}/comment`, { message: 'bye' });
  await c.post(`/api/v1/alert/${al._id}/procedure`, { occurDate: 1, patternId: 'T1566' });
  const att = await postMultipart(t, a.analyst, `/api/v1/alert/${al._id}/attachments`, [{ name: 'attachments', filename: 'gone.txt', content: 'x' }]);
  const attId = (att.json as { attachments: Array<{ _id: string }> }).attachments[0]!._id;
  assert.equal((await t.as(a.admin).delete(`/api/v1/alert/${al._id}`)).status, 204);
  assert.equal((await c.query([{ _name: 'listComment' }, { _name: 'filter', _eq: { _field: 'message', _value: 'bye' } }, { _name: 'count' }])).body, 0);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/attachment/${attId}/download`)).status, 404);
});
