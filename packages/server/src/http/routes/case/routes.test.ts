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

test('create, get, update, close and reopen a case', async () => {
  const c = t.as(a.analyst);
  const created = await c.post('/api/v1/case', { title: 'Phishing', description: 'mail', tags: ['x', 'y'], severity: 3 });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.title, 'Phishing');
  assert.equal(created.body.status, 'New');
  assert.equal(created.body.stage, 'New');
  assert.equal(created.body.severityLabel, 'HIGH');
  assert.equal(created.body.tlp, 2);
  assert.deepEqual(created.body.access, { _kind: 'OrganisationAccessKind' });
  assert.equal(typeof created.body.number, 'number');
  const got = await c.get(`/api/v1/case/${created.body._id}`);
  assert.deepEqual(got.body, created.body);
  const byNumber = await c.get(`/api/v1/case/${created.body.number}`);
  assert.equal(byNumber.body._id, created.body._id);

  assert.equal((await c.patch(`/api/v1/case/${created.body._id}`, { status: 'TruePositive', impactStatus: 'WithImpact', summary: 'done' })).status, 204);
  const closed = await c.get(`/api/v1/case/${created.body._id}`);
  assert.equal(closed.body.stage, 'Closed');
  assert.equal(closed.body.impactStatus, 'WithImpact');
  assert.equal(typeof closed.body.closedDate, 'number');
  assert.ok(closed.body._updatedAt >= closed.body._createdAt);

  assert.equal((await c.patch(`/api/v1/case/${created.body._id}`, { status: 'InProgress', summary: null })).status, 204);
  const reopened = await c.get(`/api/v1/case/${created.body._id}`);
  assert.equal(reopened.body.stage, 'InProgress');
  assert.equal(reopened.body.closedDate, undefined);
  assert.equal(reopened.body.summary, undefined);
});

test('another organisation cannot see, change or delete the case', async () => {
  const created = await t.as(a.analyst).post('/api/v1/case', { title: 'secret', description: 'a only' });
  const id = created.body._id;
  const other = t.as(b.admin);
  assert.equal((await other.get(`/api/v1/case/${id}`)).status, 404);
  assert.equal((await other.patch(`/api/v1/case/${id}`, { title: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/case/${id}`)).status, 404);
  const listed = await other.query([{ _name: 'listCase' }, { _name: 'filter', _eq: { _field: 'title', _value: 'secret' } }]);
  assert.deepEqual(listed.body, []);
  const counted = await other.query([{ _name: 'listCase' }, { _name: 'count' }]);
  assert.equal(counted.body, 0);
  assert.equal((await t.as(a.analyst).get(`/api/v1/case/${id}`)).body.title, 'secret');
});

test('read-only users cannot write', async () => {
  const r = await t.as(a.readonly).post('/api/v1/case', { title: 'nope', description: 'x' });
  assert.equal(r.status, 403);
  assert.equal(r.body.type, 'AuthorizationError');
});

test('query: filter, sort, page and count', async () => {
  const c = t.as(b.analyst);
  for (let i = 0; i < 5; i++) await c.post('/api/v1/case', { title: `q${i}`, description: 'd', severity: 1 + (i % 4), tags: i % 2 ? ['odd'] : ['even'] });
  const odd = await c.query([
    { _name: 'listCase' },
    { _name: 'filter', _eq: { _field: 'tags', _value: 'odd' } },
    { _name: 'sort', _fields: [{ title: 'asc' }] },
  ]);
  assert.deepEqual(
    odd.body.map((x: { title: string }) => x.title),
    ['q1', 'q3'],
  );
  const paged = await c.query([{ _name: 'listCase' }, { _name: 'sort', _fields: [{ title: 'desc' }] }, { _name: 'page', from: 1, to: 3, extraData: [] }]);
  assert.deepEqual(
    paged.body.map((x: { title: string }) => x.title),
    ['q3', 'q2'],
  );
  const n = await c.query([{ _name: 'listCase' }, { _name: 'filter', _gte: { _field: 'severity', _value: 3 } }, { _name: 'count' }]);
  assert.equal(n.body, 2);
  const like = await c.query([{ _name: 'listCase' }, { _name: 'filter', _like: { _field: 'title', _value: 'q*' } }, { _name: 'count' }]);
  assert.equal(like.body, 5);
  const bad = await c.query([{ _name: 'listCase' }, { _name: 'filter', _nope: { _field: 'title', _value: 'x' } }]);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.type, 'BadRequest');
});

test('deleting a case removes the files of its file observables', async () => {
  const c = t.as(a.analyst);
  const kase = await c.post('/api/v1/case', { title: 'with file', description: 'd' });
  const b = '----w' + Math.random().toString(16).slice(2);
  const payload = Buffer.concat([
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="_json"\r\n\r\n{"dataType":"file","message":"m"}\r\n`),
    Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="attachment"; filename="sample.bin"\r\nContent-Type: application/octet-stream\r\n\r\nhello-bytes\r\n--${b}--\r\n`,
    ),
  ]);
  const auth = `Basic ${Buffer.from(`${a.analyst.login}:secret`).toString('base64')}`;
  const r = await t.running.app.inject({
    method: 'POST',
    url: `/api/v1/case/${kase.body._id}/observable`,
    headers: { authorization: auth, 'x-organisation': a.name, 'content-type': `multipart/form-data; boundary=${b}` },
    payload,
  });
  assert.equal(r.statusCode, 201, r.body);
  const attId = (JSON.parse(r.body) as Array<{ attachment: { _id: string } }>)[0]!.attachment._id;
  assert.equal((await c.get(`/api/v1/attachment/${attId}/download`)).status, 200);
  assert.equal((await t.as(a.admin).delete(`/api/v1/case/${kase.body._id}`)).status, 204);
  assert.equal((await c.get(`/api/v1/attachment/${attId}/download`)).status, 404);
});
