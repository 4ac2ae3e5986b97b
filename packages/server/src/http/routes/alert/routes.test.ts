import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';
import { postMultipart } from '../attachment/test-helpers.js';

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
function alertInput(extra: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return { type: 'test', source: 'unit', sourceRef: `ref-${seq}`, title: `alert ${seq}`, description: 'desc', ...extra };
}

async function count(org: TestOrg, entity: string, filter?: Record<string, unknown>): Promise<number> {
  const r = await t.as(org.analyst).query([{ _name: `list${entity}` }, ...(filter ? [{ _name: 'filter', ...filter }] : []), { _name: 'count' }]);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

void test('create and get an alert: TheHive output, defaults, and create == GET', async () => {
  const c = t.as(a.analyst);
  const created = await c.post('/api/v1/alert', alertInput({ externalLink: 'http://', date: 123, tags: ['whatever', 'whatever'] }));
  assert.equal(created.status, 201, created.text);
  const al = created.body;
  assert.equal(al._type, 'Alert');
  assert.match(al._id, /^~\d+$/);
  assert.equal(al._createdBy, a.analyst.login);
  assert.equal(al._updatedAt, undefined);
  assert.equal(al.type, 'test');
  assert.equal(al.date, 123);
  assert.deepEqual(al.tags, ['whatever']);
  assert.equal(al.severity, 2);
  assert.equal(al.severityLabel, 'MEDIUM');
  assert.equal(al.tlp, 2);
  assert.equal(al.tlpLabel, 'AMBER');
  assert.equal(al.pap, 2);
  assert.equal(al.papLabel, 'AMBER');
  assert.equal(al.follow, true);
  assert.equal(al.flag, false);
  assert.equal(al.observableCount, 0);
  assert.equal(al.status, 'New');
  assert.equal(al.stage, 'New');
  assert.equal(al.caseId, undefined);
  assert.deepEqual(al.customFields, []);
  assert.deepEqual(al.extraData, {});
  assert.equal(al.newDate, al._createdAt);
  assert.equal(al.timeToDetect, al._createdAt - 123);
  const got = await c.get(`/api/v1/alert/${al._id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, al);
  const [queried] = (await c.query([{ _name: 'getAlert', idOrName: al._id }])).body;
  assert.deepEqual(queried, al);
});

void test('an alert created with observables: the create response lacks only _updatedAt/_updatedBy', async () => {
  const c = t.as(a.analyst);
  const created = await c.post(
    '/api/v1/alert',
    alertInput({
      observables: [
        { dataType: 'url', data: 'example.org' },
        { dataType: 'mail', data: 'foo@example.org', ioc: true, tags: ['x'] },
      ],
    }),
  );
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.observableCount, 2);
  assert.equal('_updatedAt' in created.body, false);
  assert.equal('_updatedBy' in created.body, false);
  const got = (await c.get(`/api/v1/alert/${created.body._id}`)).body;
  assert.equal(typeof got._updatedAt, 'number');
  assert.equal(got._updatedBy, a.analyst.login);
  const { _updatedAt, _updatedBy, ...rest } = got;
  assert.deepEqual(rest, created.body);
  const obs = (await c.query([{ _name: 'getAlert', idOrName: created.body._id }, { _name: 'observables' }, { _name: 'sort', _fields: [{ data: 'asc' }] }]))
    .body;
  assert.deepEqual(
    obs.map((o: { dataType: string; data: string; ioc: boolean; tags: string[] }) => [o.dataType, o.data, o.ioc, o.tags]),
    [
      ['url', 'example.org', false, []],
      ['mail', 'foo@example.org', true, ['x']],
    ].sort((x, y) => String(x[1]).localeCompare(String(y[1]))),
  );
});

void test('optional fields, custom fields and an unknown caseTemplate are stored and rendered', async () => {
  const cf = await t.admin.post('/api/v1/customField', { name: 'alert-score', displayName: 'Score', group: 'g', description: 'd', type: 'integer' });
  assert.equal(cf.status, 201, cf.text);
  const c = t.as(a.analyst);
  const created = await c.post(
    '/api/v1/alert',
    alertInput({
      severity: 3,
      flag: true,
      tlp: 1,
      pap: 3,
      summary: 'sum',
      caseTemplate: 'my-template',
      assignee: a.analyst.login,
      customFields: [{ name: 'alert-score', value: 42 }],
    }),
  );
  assert.equal(created.status, 201, created.text);
  const al = created.body;
  assert.equal(al.severityLabel, 'HIGH');
  assert.equal(al.tlpLabel, 'GREEN');
  assert.equal(al.papLabel, 'RED');
  assert.equal(al.flag, true);
  assert.equal(al.summary, 'sum');
  assert.equal(al.caseTemplate, 'my-template');
  assert.equal(al.assignee, a.analyst.login);
  assert.equal(al.customFields.length, 1);
  assert.equal(al.customFields[0].name, 'alert-score');
  assert.equal(al.customFields[0].value, 42);
  assert.deepEqual((await c.get(`/api/v1/alert/${al._id}`)).body, al);
  const bad = await c.post('/api/v1/alert', alertInput({ customFields: [{ name: 'alert-score', value: 'not a number' }] }));
  assert.equal(bad.status, 400);
  assert.equal(bad.body.type, 'AttributeCheckingError');
  const stranger = await c.post('/api/v1/alert', alertInput({ assignee: b.analyst.login }));
  assert.equal(stranger.status, 400);
});

void test('required fields and bad values are 400s', async () => {
  const c = t.as(a.analyst);
  const missing = await c.post('/api/v1/alert', { type: 't', source: 's', title: 'x', description: 'y' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.type, 'AttributeCheckingError');
  assert.match(missing.body.message, /sourceRef/);
  assert.equal((await c.post('/api/v1/alert', alertInput({ severity: 9 }))).status, 400);
  const badStatus = await c.post('/api/v1/alert', alertInput({ status: 'Whatever' }));
  assert.equal(badStatus.status, 400);
  assert.equal((await c.post('/api/v1/alert', alertInput({ status: 'Imported' }))).status, 400);
  assert.equal((await c.post('/api/v1/alert', '{not json')).status, 400);
});

void test('(type, source, sourceRef) is unique per organisation, not across organisations', async () => {
  const input = alertInput();
  assert.equal((await t.as(a.analyst).post('/api/v1/alert', input)).status, 201);
  const dup = await t.as(a.admin).post('/api/v1/alert', { ...input, title: 'other title' });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.type, 'CreateError');
  assert.match(dup.body.message, /already exists/);
  assert.equal((await t.as(b.analyst).post('/api/v1/alert', input)).status, 201);
  // separators inside values cannot collide
  assert.equal((await t.as(a.analyst).post('/api/v1/alert', { ...alertInput(), type: 'a|b', source: 'c', sourceRef: 'r' })).status, 201);
  assert.equal((await t.as(a.analyst).post('/api/v1/alert', { ...alertInput(), type: 'a', source: 'b|c', sourceRef: 'r' })).status, 201);
});

void test('race: 50 parallel creates of the same triple make exactly one alert and 49 CreateErrors', async () => {
  const input = alertInput({ sourceRef: 'race-1', observables: [{ dataType: 'ip', data: '10.9.9.9' }] });
  const c = t.as(a.analyst);
  await c.get('/api/v1/user/current'); // credentials cached: the 50 requests reach the service together
  // Hold every create at the fast duplicate check until all 50 have passed it, so that the
  // claims themselves race whatever the scheduling (writes commit on another thread), and count
  // the creates that found the triple free there.
  const store = t.running.services.store;
  const original = store.uniqueOwner;
  let unclaimed = 0;
  const held: Array<() => void> = [];
  const releaseAll = (): void => held.splice(0).forEach((go) => go());
  const deadline = setTimeout(releaseAll, 5000); // never deadlock should fewer than 50 arrive
  store.uniqueOwner = async (scope, key) => {
    const owner = await original.call(store, scope, key);
    if (!scope.startsWith('alert.')) return owner;
    if (owner === undefined) unclaimed++;
    await new Promise<void>((go) => {
      held.push(go);
      if (held.length === 50) releaseAll();
    });
    return owner;
  };
  let results;
  try {
    results = await Promise.all(Array.from({ length: 50 }, () => c.post('/api/v1/alert', input)));
  } finally {
    store.uniqueOwner = original;
    clearTimeout(deadline);
  }
  assert.ok(unclaimed > 1, `only ${unclaimed} request(s) reached the claim`);
  const ok = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status !== 201);
  assert.equal(ok.length, 1);
  assert.equal(refused.length, 49);
  for (const r of refused) {
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.type, 'CreateError');
    assert.match(r.body.message, /test:unit:race-1 already exists/);
  }
  assert.equal(await count(a, 'Alert', { _eq: { _field: 'sourceRef', _value: 'race-1' } }), 1);
  assert.equal(await count(a, 'Observable', { _eq: { _field: 'data', _value: '10.9.9.9' } }), 1);
});

void test('all or nothing: an unknown dataType or duplicate observables refuse the whole alert', async () => {
  const c = t.as(a.analyst);
  const unknown = alertInput({
    observables: [
      { dataType: 'ip', data: '192.0.2.50' },
      { dataType: 'no-such-type', data: 'x' },
    ],
  });
  const r1 = await c.post('/api/v1/alert', unknown);
  assert.equal(r1.status, 400, r1.text);
  assert.match(r1.body.message, /observables\[1\]/);
  assert.match(r1.body.message, /no-such-type/);
  const dup = alertInput({
    observables: [
      { dataType: 'ip', data: '192.0.2.51' },
      { dataType: 'domain', data: 'ok.example' },
      { dataType: 'ip', data: '192.0.2.51' },
    ],
  });
  const r2 = await c.post('/api/v1/alert', dup);
  assert.equal(r2.status, 400, r2.text);
  assert.match(r2.body.message, /observables\[2\].*duplicates observables\[0\]/);
  const dupList = alertInput({ observables: [{ dataType: 'ip', data: ['192.0.2.52', '192.0.2.52'] }] });
  assert.equal((await c.post('/api/v1/alert', dupList)).status, 400);
  for (const input of [unknown, dup, dupList]) assert.equal(await count(a, 'Alert', { _eq: { _field: 'sourceRef', _value: input.sourceRef } }), 0);
  assert.equal(await count(a, 'Observable', { _in: { _field: 'data', _values: ['192.0.2.50', '192.0.2.51', '192.0.2.52', 'ok.example'] } }), 0);
  // the triple is still free: the refused alert did not keep its claim
  const retry = await c.post('/api/v1/alert', { ...unknown, observables: [{ dataType: 'ip', data: '192.0.2.50' }] });
  assert.equal(retry.status, 201, retry.text);
  assert.equal(retry.body.observableCount, 1);
});

void test('data lists expand into one observable each', async () => {
  const r = await t.as(a.analyst).post('/api/v1/alert', alertInput({ observables: [{ dataType: 'domain', data: ['a.example', 'b.example', 'c.example'] }] }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.observableCount, 3);
});

void test('more than alert.maxObservables observables is refused, naming the setting', async () => {
  const max = t.config.alert.maxObservables;
  assert.equal(max, 10_000);
  const observables = Array.from({ length: max + 1 }, (_, i) => ({ dataType: 'ip', data: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
  const input = alertInput({ observables });
  const r = await t.as(a.analyst).post('/api/v1/alert', input);
  assert.equal(r.status, 400, r.text.slice(0, 300));
  assert.equal(r.body.type, 'BadRequest');
  assert.match(r.body.message, /alert\.maxObservables/);
  assert.equal(await count(a, 'Alert', { _eq: { _field: 'sourceRef', _value: input.sourceRef } }), 0);
  // expansion of data lists counts too
  const half = Math.ceil((max + 1) / 2);
  const lists = alertInput({
    observables: [
      { dataType: 'ip', data: observables.slice(0, half).map((o) => o.data) },
      { dataType: 'domain', data: observables.slice(half).map((o) => o.data) },
    ],
  });
  const r2 = await t.as(a.analyst).post('/api/v1/alert', lists);
  assert.equal(r2.status, 400);
  assert.match(r2.body.message, /alert\.maxObservables/);
});

void test('multipart: _json as a file part, file observables referencing parts by name', async () => {
  const input = alertInput({
    date: 123,
    observables: [
      { dataType: 'url', data: 'example.com' },
      { dataType: 'file', attachment: 'obs1' },
    ],
  });
  const r = await postMultipart(t, a.analyst, '/api/v1/alert', [
    { name: 'obs1', filename: 'alert-observable.txt', contentType: 'text/plain', content: 'observable content' },
    { name: '_json', filename: '_json', content: JSON.stringify(input) },
  ]);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const al = r.json as { _id: string; observableCount: number };
  assert.equal(al.observableCount, 2);
  const obs = (await t.as(a.analyst).query([{ _name: 'getAlert', idOrName: al._id }, { _name: 'observables' }])).body;
  const file = obs.find((o: { dataType: string }) => o.dataType === 'file');
  assert.equal(file.attachment.name, 'alert-observable.txt');
  assert.equal(file.attachment.size, 'observable content'.length);
  // _json as a plain field works too
  const plain = await postMultipart(t, a.analyst, '/api/v1/alert', [
    { name: '_json', content: JSON.stringify(alertInput({ observables: [{ dataType: 'file', attachment: 'f' }] })) },
    { name: 'f', filename: 'x.bin', content: Buffer.from([0, 1, 2, 255]) },
  ]);
  assert.equal(plain.status, 201, JSON.stringify(plain.json));
});

void test('multipart: a missing attachment part, a missing _json, bad JSON and malformed bodies are 400s and create nothing', async () => {
  const missing = alertInput({
    observables: [
      { dataType: 'ip', data: '198.51.100.7' },
      { dataType: 'file', attachment: 'nope' },
    ],
  });
  const r1 = await postMultipart(t, a.analyst, '/api/v1/alert', [
    { name: '_json', filename: '_json', content: JSON.stringify(missing) },
    { name: 'obs1', filename: 'f.txt', content: 'x' },
  ]);
  assert.equal(r1.status, 400);
  assert.match((r1.json as { message: string }).message, /nope/);
  assert.equal(await count(a, 'Alert', { _eq: { _field: 'sourceRef', _value: missing.sourceRef } }), 0);
  assert.equal(await count(a, 'Observable', { _eq: { _field: 'data', _value: '198.51.100.7' } }), 0);

  const noJson = await postMultipart(t, a.analyst, '/api/v1/alert', [{ name: 'obs1', filename: 'f.txt', content: 'x' }]);
  assert.equal(noJson.status, 400);
  const badJson = await postMultipart(t, a.analyst, '/api/v1/alert', [{ name: '_json', content: '{"type":' }]);
  assert.equal(badJson.status, 400);
  const invalid = await postMultipart(t, a.analyst, '/api/v1/alert', [{ name: '_json', content: JSON.stringify({ title: 'no type' }) }]);
  assert.equal(invalid.status, 400);
  assert.equal((invalid.json as { type: string }).type, 'AttributeCheckingError');
  const malformed = await t.running.app.inject({
    method: 'POST',
    url: '/api/v1/alert',
    headers: {
      authorization: `Basic ${Buffer.from(`${a.analyst.login}:secret`).toString('base64')}`,
      'x-organisation': a.name,
      'content-type': 'multipart/form-data; boundary=XYZ',
    },
    payload: '--XYZ\r\nContent-Disposition: form-data; name="_json"\r\n\r\n{"a":1}\r\n--XY',
  });
  assert.ok(malformed.statusCode >= 400 && malformed.statusCode < 500, `${malformed.statusCode} ${malformed.body}`);
});

void test('update: fields, tags, status and stage dates; null clears', async () => {
  const c = t.as(a.analyst);
  const al = (await c.post('/api/v1/alert', alertInput({ tags: ['a', 'b'], summary: 's', externalLink: 'http://x' }))).body;
  assert.equal(
    (
      await c.patch(`/api/v1/alert/${al._id}`, {
        title: 'my updated alert',
        description: 'my updated description',
        addTags: ['c'],
        removeTags: ['a'],
        summary: null,
        externalLink: null,
      })
    ).status,
    204,
  );
  let got = (await c.get(`/api/v1/alert/${al._id}`)).body;
  assert.equal(got.title, 'my updated alert');
  assert.equal(got.description, 'my updated description');
  assert.deepEqual(got.tags, ['b', 'c']);
  assert.equal(got.summary, undefined);
  assert.equal(got.externalLink, undefined);
  assert.equal(got._updatedBy, a.analyst.login);

  assert.equal((await c.patch(`/api/v1/alert/${al._id}`, { status: 'InProgress' })).status, 204);
  got = (await c.get(`/api/v1/alert/${al._id}`)).body;
  assert.equal(got.stage, 'InProgress');
  assert.equal(typeof got.inProgressDate, 'number');
  assert.equal(typeof got.timeToTriage, 'number');
  assert.equal(typeof got.timeToAcknowledge, 'number');

  for (const closed of ['Ignored', 'FalsePositive', 'Duplicated', 'Other']) {
    assert.equal((await c.patch(`/api/v1/alert/${al._id}`, { status: closed })).status, 204);
    got = (await c.get(`/api/v1/alert/${al._id}`)).body;
    assert.equal(got.status, closed);
    assert.equal(got.stage, 'Closed');
    assert.equal(typeof got.closedDate, 'number');
    assert.equal(typeof got.timeToQualify, 'number');
  }
  assert.equal((await c.patch(`/api/v1/alert/${al._id}`, { status: 'New' })).status, 204);
  got = (await c.get(`/api/v1/alert/${al._id}`)).body;
  assert.equal(got.stage, 'New');
  assert.equal(got.closedDate, undefined);

  assert.equal((await c.patch(`/api/v1/alert/${al._id}`, { status: 'Imported' })).status, 400);
  assert.equal((await c.patch(`/api/v1/alert/${al._id}`, { status: 'Bogus' })).status, 400);
  assert.equal((await c.patch(`/api/v1/alert/${al._id}`, { assignee: a.admin.login })).status, 204);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.assignee, a.admin.login);
  assert.equal((await c.patch(`/api/v1/alert/${al._id}`, { assignee: null })).status, 204);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.assignee, undefined);
});

void test('update of type/source/sourceRef keeps the triple unique', async () => {
  const c = t.as(a.analyst);
  const one = (await c.post('/api/v1/alert', alertInput())).body;
  const two = (await c.post('/api/v1/alert', alertInput())).body;
  const clash = await c.patch(`/api/v1/alert/${two._id}`, { sourceRef: one.sourceRef });
  assert.equal(clash.status, 400);
  assert.equal(clash.body.type, 'CreateError');
  assert.equal((await c.get(`/api/v1/alert/${two._id}`)).body.sourceRef, two.sourceRef);
  assert.equal((await c.patch(`/api/v1/alert/${two._id}`, { sourceRef: 'renamed-ref' })).status, 204);
  // the old triple is free again, the new one taken
  assert.equal((await c.post('/api/v1/alert', { ...alertInput(), sourceRef: two.sourceRef })).status, 201);
  assert.equal((await c.post('/api/v1/alert', { ...alertInput(), sourceRef: 'renamed-ref' })).status, 400);
});

void test('bulk update is all or nothing', async () => {
  const c = t.as(a.analyst);
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await c.post('/api/v1/alert', alertInput())).body._id);
  assert.equal((await c.patch('/api/v1/alert/_bulk', { ids, title: 'my updated alert #1', description: 'my updated description #1' })).status, 204);
  for (const id of ids) {
    const got = (await c.get(`/api/v1/alert/${id}`)).body;
    assert.equal(got.title, 'my updated alert #1');
    assert.equal(got.description, 'my updated description #1');
  }
  const other = (await t.as(b.analyst).post('/api/v1/alert', alertInput())).body;
  const r = await c.patch('/api/v1/alert/_bulk', { ids: [...ids, other._id], title: 'nope' });
  assert.equal(r.status, 404);
  for (const id of ids) assert.equal((await c.get(`/api/v1/alert/${id}`)).body.title, 'my updated alert #1');
  assert.equal((await c.patch('/api/v1/alert/_bulk', { ids, sourceRef: 'same-for-all' })).status, 400);
});

void test('follow/unfollow and markAsRead/markAsUnread (v1 and v0)', async () => {
  const c = t.as(a.analyst);
  const al = (await c.post('/api/v1/alert', alertInput())).body;
  assert.equal(al.read, false);
  assert.equal((await c.post(`/api/v1/alert/${al._id}/unfollow`)).status, 204);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.follow, false);
  assert.equal((await c.post(`/api/v1/alert/${al._id}/follow`)).status, 204);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.follow, true);
  assert.equal((await c.post(`/api/v1/alert/${al._id}/markAsRead`)).status, 204);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.read, true);
  const v0 = await c.post(`/api/alert/${al._id}/markAsUnread`);
  assert.equal(v0.status, 200);
  assert.equal(v0.body.read, false);
  assert.equal((await c.post(`/api/alert/${al._id}/markAsRead`)).body.read, true);
  const unread = await c.query([
    { _name: 'listAlert' },
    { _name: 'filter', _eq: { _field: 'read', _value: false } },
    { _name: 'filter', _eq: { _field: '_id', _value: al._id } },
    { _name: 'count' },
  ]);
  assert.equal(unread.body, 0);
});

void test('delete and bulk delete remove the alert and its observables, and free the triple', async () => {
  const c = t.as(a.analyst);
  const input = alertInput({ observables: [{ dataType: 'ip', data: '203.0.113.99' }] });
  const al = (await c.post('/api/v1/alert', input)).body;
  assert.equal((await t.as(a.analyst).delete(`/api/v1/alert/${al._id}`)).status, 403);
  assert.equal((await t.as(a.admin).delete(`/api/v1/alert/${al._id}`)).status, 204);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).status, 404);
  assert.equal(await count(a, 'Observable', { _eq: { _field: 'data', _value: '203.0.113.99' } }), 0);
  assert.equal((await c.post('/api/v1/alert', input)).status, 201);

  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await c.post('/api/v1/alert', alertInput())).body._id);
  const r = await t.as(a.admin).post('/api/v1/alert/delete/_bulk', { ids: [...ids, '~999999999'] });
  assert.equal(r.status, 404);
  for (const id of ids) assert.equal((await c.get(`/api/v1/alert/${id}`)).status, 200);
  assert.equal((await t.as(a.admin).post('/api/v1/alert/delete/_bulk', { ids })).status, 204);
  for (const id of ids) assert.equal((await c.get(`/api/v1/alert/${id}`)).status, 404);
});

void test('another organisation can neither see nor change an alert', async () => {
  const al = (await t.as(a.analyst).post('/api/v1/alert', alertInput({ title: 'secret alert' }))).body;
  const other = t.as(b.admin);
  assert.equal((await other.get(`/api/v1/alert/${al._id}`)).status, 404);
  assert.equal((await other.patch(`/api/v1/alert/${al._id}`, { title: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/alert/${al._id}`)).status, 404);
  assert.equal((await other.post(`/api/v1/alert/${al._id}/follow`)).status, 404);
  assert.equal((await other.post(`/api/v1/alert/${al._id}/markAsRead`)).status, 404);
  assert.equal((await other.post('/api/v1/alert/delete/_bulk', { ids: [al._id] })).status, 404);
  assert.deepEqual((await other.query([{ _name: 'listAlert' }, { _name: 'filter', _eq: { _field: 'title', _value: 'secret alert' } }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'getAlert', idOrName: al._id }])).body, []);
  assert.equal((await t.as(a.analyst).get(`/api/v1/alert/${al._id}`)).body.title, 'secret alert');
});

void test('read-only users can read but not write alerts', async () => {
  const al = (await t.as(a.analyst).post('/api/v1/alert', alertInput())).body;
  const ro = t.as(a.readonly);
  assert.equal((await ro.get(`/api/v1/alert/${al._id}`)).status, 200);
  const created = await ro.post('/api/v1/alert', alertInput());
  assert.equal(created.status, 403);
  assert.equal(created.body.type, 'AuthorizationError');
  assert.equal((await ro.patch(`/api/v1/alert/${al._id}`, { title: 'x' })).status, 403);
  assert.equal((await ro.patch('/api/v1/alert/_bulk', { ids: [al._id], title: 'x' })).status, 403);
  assert.equal((await ro.post(`/api/v1/alert/${al._id}/follow`)).status, 403);
  assert.equal((await ro.delete(`/api/v1/alert/${al._id}`)).status, 403);
  assert.equal((await ro.post(`/api/v1/alert/${al._id}/observable`, { dataType: 'ip', data: '1.1.1.1' })).status, 403);
  assert.equal((await t.as(a.analyst).get(`/api/v1/alert/${al._id}`)).body.title, al.title);
});

void test('query: listAlert with filter, sort and count renders like GET', async () => {
  const c = t.as(b.analyst);
  const made = [];
  for (let i = 0; i < 3; i++) made.push((await c.post('/api/v1/alert', alertInput({ title: `find-me-${i}` }))).body);
  const found = await c.query([
    { _name: 'listAlert' },
    { _name: 'filter', _or: [{ _eq: { _field: 'title', _value: 'find-me-0' } }, { _eq: { _field: 'title', _value: 'find-me-1' } }] },
    { _name: 'sort', _fields: [{ _createdAt: 'asc' }] },
  ]);
  assert.deepEqual(found.body, made.slice(0, 2));
  assert.equal(await count(b, 'Alert', { _like: { _field: 'title', _value: 'find-me-*' } }), 3);
});

void test('every alert change goes through the audit trail (live stream)', async () => {
  const seen: Array<{ operation: unknown; objectType: unknown }> = [];
  const off = t.running.services.bus.subscribe((au) => seen.push({ operation: au.operation, objectType: au.objectType }));
  try {
    const c = t.as(a.analyst);
    const al = (await c.post('/api/v1/alert', alertInput())).body;
    await c.patch(`/api/v1/alert/${al._id}`, { title: 'audited' });
    await c.post(`/api/v1/alert/${al._id}/follow`);
    await t.as(a.admin).delete(`/api/v1/alert/${al._id}`);
  } finally {
    off();
  }
  const alertOps = seen.filter((x) => x.objectType === 'Alert').map((x) => x.operation);
  assert.deepEqual(alertOps, ['create', 'update', 'update', 'delete']);
});
