import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testWaggle, type TestWaggle, type TestOrg, type Creds } from '../../../test/support.js';
import { getRaw, postMultipart } from '../attachment/test-helpers.js';
import type { SqliteEntityStore } from '../../../storage/sqlite/sqlite-entity-store.js';
import { q } from '../../../query/ir.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
});
after(async () => t.close());

const newCase = async (creds: Creds, title = 'observable case'): Promise<string> => (await t.newCase(creds, { title }))._id;

/** Opens a ZIP with Python's zipfile: entry names and the content of `name` (utf8). */
function pythonUnzip(zip: Buffer, name: string, password: string): { names: string[]; content: string } {
  const dir = mkdtempSync(join(tmpdir(), 'waggle-obs-zip-'));
  try {
    const path = join(dir, 'download.zip');
    writeFileSync(path, zip);
    const script = [
      'import sys, zipfile, json',
      'with zipfile.ZipFile(sys.argv[1]) as z:',
      '    with z.open(sys.argv[2], pwd=sys.argv[3].encode()) as f:',
      '        print(json.dumps({"names": z.namelist(), "content": f.read().decode()}))',
    ].join('\n');
    return JSON.parse(execFileSync('python3', ['-c', script, path, name, password], { encoding: 'utf8', stdio: 'pipe' })) as {
      names: string[];
      content: string;
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('create one observable: defaults, create == GET == query', async () => {
  const caseId = await newCase(a.analyst);
  const api = t.as(a.analyst);
  const r = await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'domain', data: 'example.com', message: 'test observable' });
  assert.equal(r.status, 201, r.text);
  assert.ok(Array.isArray(r.body));
  assert.equal(r.body.length, 1);
  const o = r.body[0];
  assert.equal(o._type, 'Observable');
  assert.equal(o.dataType, 'domain');
  assert.equal(o.data, 'example.com');
  assert.equal(o.message, 'test observable');
  assert.equal(o.tlp, 2);
  assert.equal(o.tlpLabel, 'AMBER');
  assert.equal(o.pap, 2);
  assert.equal(o.papLabel, 'AMBER');
  assert.deepEqual(o.tags, []);
  assert.equal(o.ioc, false);
  assert.equal(o.sighted, false);
  assert.equal(o.ignoreSimilarity, false);
  assert.deepEqual(o.reports, {});
  assert.deepEqual(o.extraData, {});
  assert.equal(typeof o.startDate, 'number');
  assert.equal(o.attachment, undefined);
  assert.equal(o._updatedAt, undefined);

  assert.deepEqual((await api.get(`/api/v1/observable/${o._id}`)).body, o);
  assert.deepEqual((await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }])).body, [o]);
  assert.deepEqual((await api.query([{ _name: 'getObservable', idOrName: o._id }])).body, [o]);
  const listed = await api.query([{ _name: 'listObservable' }, { _name: 'filter', _eq: { _field: 'data', _value: 'example.com' } }]);
  assert.deepEqual(listed.body, [o]);
  const parent = await api.query([{ _name: 'getObservable', idOrName: o._id }, { _name: 'case' }]);
  assert.equal(parent.body[0]._id, caseId);
  // case number works as well as the id
  const c = await api.get(`/api/v1/case/${caseId}`);
  const byNumber = await api.post(`/api/v1/case/${c.body.number}/observable`, { dataType: 'ip', data: '10.0.0.1', tags: ['a', 'a', 'b'], ioc: true, tlp: 1 });
  assert.equal(byNumber.status, 201, byNumber.text);
  assert.deepEqual(byNumber.body[0].tags, ['a', 'b']);
  assert.equal(byNumber.body[0].ioc, true);
  assert.equal(byNumber.body[0].tlpLabel, 'GREEN');
});

test('a data list creates one observable per element', async () => {
  const caseId = await newCase(a.analyst);
  const api = t.as(a.analyst);
  const r = await api.post(`/api/v1/case/${caseId}/observable`, {
    dataType: 'domain',
    data: ['0.example.com', '1.example.com', '2.example.com'],
    message: 'm',
  });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(
    r.body.map((o: { data: string }) => o.data),
    ['0.example.com', '1.example.com', '2.example.com'],
  );
  const fetched = (await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }])).body;
  for (const o of r.body) assert.ok(fetched.some((f: unknown) => JSON.stringify(f) === JSON.stringify(o)));
  const n = await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }, { _name: 'count' }]);
  assert.equal(n.body, 3);
});

test('duplicates: 400 CreateError when all fail, 207 on partial failure; per case, released on delete', async () => {
  const caseId = await newCase(a.analyst);
  const other = await newCase(a.analyst);
  const api = t.as(a.analyst);
  assert.equal((await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'ip', data: '1.2.3.4' })).status, 201);
  const dup = await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'ip', data: '1.2.3.4' });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.type, 'CreateError');
  assert.equal(dup.body.message, 'Observable already exists');

  const partial = await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'ip', data: ['1.2.3.4', '5.6.7.8', '5.6.7.8'] });
  assert.equal(partial.status, 207, partial.text);
  assert.deepEqual(
    partial.body.success.map((o: { data: string }) => o.data),
    ['5.6.7.8'],
  );
  assert.deepEqual(partial.body.failure, [
    { type: 'CreateError', message: 'Observable already exists', object: { data: '1.2.3.4' } },
    { type: 'CreateError', message: 'Observable already exists', object: { data: '5.6.7.8' } },
  ]);
  // same data, other dataType or other case: fine
  assert.equal((await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'other', data: '1.2.3.4' })).status, 201);
  assert.equal((await api.post(`/api/v1/case/${other}/observable`, { dataType: 'ip', data: '1.2.3.4' })).status, 201);
  // cross-case search by data
  const everywhere = await api.query([
    { _name: 'listObservable' },
    { _name: 'filter', _and: [{ _eq: { _field: 'data', _value: '1.2.3.4' } }, { _eq: { _field: 'dataType', _value: 'ip' } }] },
    { _name: 'count' },
  ]);
  assert.equal(everywhere.body, 2);

  const ids = (
    await api.query([
      { _name: 'getCase', idOrName: caseId },
      { _name: 'observables' },
      { _name: 'filter', _eq: { _field: 'data', _value: '1.2.3.4' } },
      { _name: 'filter', _eq: { _field: 'dataType', _value: 'ip' } },
    ])
  ).body;
  assert.equal(ids.length, 1);
  assert.equal((await api.delete(`/api/v1/observable/${ids[0]._id}`)).status, 204);
  assert.equal((await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'ip', data: '1.2.3.4' })).status, 201);

  // case deletion releases the claims (a case number is not reused, but claims must not leak)
  const gone = await newCase(a.admin);
  assert.equal((await t.as(a.admin).post(`/api/v1/case/${gone}/observable`, { dataType: 'ip', data: '9.9.9.9' })).status, 201);
  assert.equal((await t.as(a.admin).delete(`/api/v1/case/${gone}`)).status, 204);
  assert.equal(await t.running.services.store.uniqueOwner(`observable.case.${gone}`, 'ip|9.9.9.9'), undefined);
});

test('multipart file observable: attachment rendered, downloads raw and as a ZipCrypto zip Python opens', async () => {
  const caseId = await newCase(a.analyst);
  const r = await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/observable`, [
    { name: '_json', content: JSON.stringify({ dataType: 'file', message: 'file based observable' }) },
    { name: 'attachment', filename: 'case-observable.txt', contentType: 'text/plain', content: 'observable content' },
  ]);
  assert.equal(r.status, 201, r.bytes.toString());
  const list = r.json as Array<Record<string, unknown>>;
  assert.equal(list.length, 1);
  const o = list[0]!;
  assert.equal(o.dataType, 'file');
  assert.equal(o.data, undefined);
  assert.equal(o.message, 'file based observable');
  const att = o.attachment as Record<string, unknown>;
  assert.equal(att.name, 'case-observable.txt');
  assert.equal(att.contentType, 'text/plain');
  assert.equal(att.size, 18);
  assert.equal(att._type, 'Attachment');
  assert.equal(typeof att._id, 'string');
  assert.match(String(att.id), /^[0-9a-f]{64}$/);
  assert.deepEqual(att.hashes, [att.id]);

  const api = t.as(a.analyst);
  assert.deepEqual((await api.get(`/api/v1/observable/${String(o._id)}`)).body, o);
  assert.deepEqual((await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }])).body, [o]);
  // the observable's file is not a case attachment
  assert.deepEqual((await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'attachments' }])).body, []);

  for (const asZip of ['False', 'false', undefined]) {
    const raw = await getRaw(t, a.analyst, `/api/v1/observable/${String(o._id)}/attachment/${String(att._id)}/download${asZip ? `?asZip=${asZip}` : ''}`);
    assert.equal(raw.status, 200);
    assert.equal(raw.bytes.toString(), 'observable content');
    assert.equal(raw.headers['content-type'], 'application/octet-stream');
    assert.match(String(raw.headers['content-disposition']), /^attachment; filename="case-observable.txt"/);
    assert.equal(raw.headers['x-content-type-options'], 'nosniff');
  }
  const zip = await getRaw(t, a.analyst, `/api/v1/observable/${String(o._id)}/attachment/${String(att._id)}/download?asZip=True`);
  assert.equal(zip.status, 200);
  assert.match(String(zip.headers['content-disposition']), /^attachment; filename="case-observable.txt.zip"/);
  const unzipped = pythonUnzip(zip.bytes, 'case-observable.txt', 'malware');
  assert.deepEqual(unzipped.names, ['case-observable.txt']);
  assert.equal(unzipped.content, 'observable content');
  // the content hash works as attachment id too; a foreign id does not
  assert.equal((await getRaw(t, a.analyst, `/api/v1/observable/${String(o._id)}/attachment/${String(att.id)}/download`)).status, 200);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/observable/${String(o._id)}/attachment/~999999/download`)).status, 404);

  // same file again: duplicate; `_json` as a file part (as the client sends for alerts) is accepted
  const again = await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/observable`, [
    { name: '_json', filename: '_json', content: JSON.stringify({ dataType: 'file' }) },
    { name: 'attachment', filename: 'copy.txt', content: 'observable content' },
  ]);
  assert.equal(again.status, 400);
  assert.equal((again.json as { message: string }).message, 'Observable already exists');
  const different = await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/observable`, [
    { name: '_json', filename: '_json', content: JSON.stringify({ dataType: 'file' }) },
    { name: 'attachment', filename: 'other.bin', content: Buffer.from([0, 1, 2, 255]) },
  ]);
  assert.equal(different.status, 201, different.bytes.toString());
  const diffAtt = (different.json as Array<{ attachment: { contentType: string; name: string } }>)[0]!.attachment;
  assert.equal(diffAtt.name, 'other.bin');

  // a JSON reference to an attachment the caller can see makes another file observable
  const other = await newCase(a.analyst);
  const byRef = await api.post(`/api/v1/case/${other}/observable`, {
    dataType: 'file',
    attachment: { name: 'ref.txt', contentType: 'text/plain', id: att.id },
  });
  assert.equal(byRef.status, 201, byRef.text);
  assert.equal(byRef.body[0].attachment.name, 'ref.txt');
  // org-b cannot reference org-a's file by hash
  const bCase = await newCase(b.analyst);
  const stolen = await t.as(b.analyst).post(`/api/v1/case/${bCase}/observable`, { dataType: 'file', attachment: { name: 'x', id: att.id } });
  assert.equal(stolen.status, 400);
  assert.equal(stolen.body.type, 'CreateError');

  // deleting the observable removes its attachment document
  assert.equal((await api.delete(`/api/v1/observable/${String(o._id)}`)).status, 204);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/attachment/${String(att._id)}/download`)).status, 404);
});

test('update, tags and bulk update', async () => {
  const caseId = await newCase(a.analyst);
  const api = t.as(a.analyst);
  const created = (await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'domain', data: ['u1.example.com', 'u2.example.com'], tags: ['x'] })).body;
  const id = created[0]._id;
  assert.equal(
    (
      await api.patch(`/api/v1/observable/${id}`, {
        dataType: 'fqdn',
        message: 'updated observable',
        addTags: ['y'],
        removeTags: ['x'],
        sighted: true,
        sightedAt: 1000,
      })
    ).status,
    204,
  );
  const got = (await api.get(`/api/v1/observable/${id}`)).body;
  assert.equal(got.dataType, 'fqdn');
  assert.equal(got.message, 'updated observable');
  assert.deepEqual(got.tags, ['y']);
  assert.equal(got.sighted, true);
  assert.equal(got.sightedAt, 1000);
  assert.equal(got._updatedBy, a.analyst.login);
  assert.equal(typeof got._updatedAt, 'number');
  assert.deepEqual((await api.query([{ _name: 'getObservable', idOrName: id }])).body, [got]);
  // the uniqueness key moved with the dataType
  assert.equal((await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'domain', data: 'u1.example.com' })).status, 201);
  assert.equal((await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'fqdn', data: 'u1.example.com' })).status, 400);
  // null removes nullable fields
  assert.equal((await api.patch(`/api/v1/observable/${id}`, { message: null, sightedAt: null })).status, 204);
  const cleared = (await api.get(`/api/v1/observable/${id}`)).body;
  assert.equal(cleared.message, undefined);
  assert.equal(cleared.sightedAt, undefined);
  // a file type cannot be given to a data observable
  const toFile = await api.patch(`/api/v1/observable/${id}`, { dataType: 'file' });
  assert.equal(toFile.status, 400);
  assert.equal((await api.patch(`/api/v1/observable/${id}`, { dataType: 'nope' })).status, 400);

  const ids = created.map((o: { _id: string }) => o._id);
  assert.equal((await api.patch('/api/v1/observable/_bulk', { ids, dataType: 'other', message: 'bulk' })).status, 204);
  for (const oid of ids) {
    const o = (await api.get(`/api/v1/observable/${oid}`)).body;
    assert.equal(o.dataType, 'other');
    assert.equal(o.message, 'bulk');
  }
  // all or none: one invisible id fails the whole bulk
  const bObs = (await t.as(b.analyst).post(`/api/v1/case/${await newCase(b.analyst)}/observable`, { dataType: 'ip', data: '1.1.1.1' })).body[0];
  const bulk = await api.patch('/api/v1/observable/_bulk', { ids: [...ids, bObs._id], message: 'again' });
  assert.equal(bulk.status, 404);
  assert.equal((await api.get(`/api/v1/observable/${ids[0]}`)).body.message, 'bulk');
});

test('other organisations get 404 everywhere', async () => {
  const caseId = await newCase(a.analyst);
  const api = t.as(a.analyst);
  const o = (await api.post(`/api/v1/case/${caseId}/observable`, { dataType: 'mail', data: 'secret@example.com' })).body[0];
  const f = await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/observable`, [
    { name: '_json', content: JSON.stringify({ dataType: 'file' }) },
    { name: 'attachment', filename: 'secret.txt', content: 'secret' },
  ]);
  const fo = (f.json as Array<{ _id: string; attachment: { _id: string } }>)[0]!;
  const other = t.as(b.admin);
  assert.equal((await other.get(`/api/v1/observable/${o._id}`)).status, 404);
  assert.equal((await other.patch(`/api/v1/observable/${o._id}`, { message: 'pwned' })).status, 404);
  assert.equal((await other.patch('/api/v1/observable/_bulk', { ids: [o._id], message: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/observable/${o._id}`)).status, 404);
  assert.equal((await other.post(`/api/v1/case/${caseId}/observable`, { dataType: 'ip', data: '6.6.6.6' })).status, 404);
  assert.equal((await getRaw(t, b.admin, `/api/v1/observable/${fo._id}/attachment/${fo.attachment._id}/download?asZip=True`)).status, 404);
  assert.equal((await getRaw(t, b.admin, `/api/v1/attachment/${fo.attachment._id}/download`)).status, 404);
  assert.deepEqual((await other.query([{ _name: 'listObservable' }, { _name: 'filter', _eq: { _field: 'data', _value: 'secret@example.com' } }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'getObservable', idOrName: o._id }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }])).body, []);
  const mp = await postMultipart(t, b.admin, `/api/v1/case/${caseId}/observable`, [
    { name: '_json', content: JSON.stringify({ dataType: 'file' }) },
    { name: 'attachment', filename: 'x.txt', content: 'x' },
  ]);
  assert.equal(mp.status, 404);
  assert.equal((await api.get(`/api/v1/observable/${o._id}`)).body.message, undefined);
});

test('read-only users can read but not write', async () => {
  const caseId = await newCase(a.analyst);
  const o = (await t.as(a.analyst).post(`/api/v1/case/${caseId}/observable`, { dataType: 'url', data: 'http://ro.example.com' })).body[0];
  const ro = t.as(a.readonly);
  assert.equal((await ro.get(`/api/v1/observable/${o._id}`)).status, 200);
  for (const r of [
    await ro.post(`/api/v1/case/${caseId}/observable`, { dataType: 'url', data: 'http://x' }),
    await ro.patch(`/api/v1/observable/${o._id}`, { message: 'x' }),
    await ro.patch('/api/v1/observable/_bulk', { ids: [o._id], message: 'x' }),
    await ro.delete(`/api/v1/observable/${o._id}`),
  ]) {
    assert.equal(r.status, 403);
    assert.equal(r.body.type, 'AuthorizationError');
  }
  const mp = await postMultipart(t, a.readonly, `/api/v1/case/${caseId}/observable`, [
    { name: '_json', content: JSON.stringify({ dataType: 'file' }) },
    { name: 'attachment', filename: 'x.txt', content: 'x' },
  ]);
  assert.equal(mp.status, 403);
});

test('bad input gets 4xx {type, message}', async () => {
  const caseId = await newCase(a.analyst);
  const api = t.as(a.analyst);
  const url = `/api/v1/case/${caseId}/observable`;
  const cases: Array<[unknown, string]> = [
    [{ dataType: 'nope', data: 'x' }, 'BadRequest'],
    [{ dataType: 'domain' }, 'AttributeCheckingError'],
    [{ dataType: 'domain', data: [] }, 'AttributeCheckingError'],
    [{ dataType: 'file' }, 'AttributeCheckingError'],
    [{ data: 'x' }, 'AttributeCheckingError'],
    [{ dataType: 'domain', data: 'x', tlp: 9 }, 'AttributeCheckingError'],
    [{ dataType: 'domain', data: 42 }, 'AttributeCheckingError'],
    [{ dataType: 'domain', data: 'x', tags: 'notalist' }, 'AttributeCheckingError'],
    [[1, 2], 'AttributeCheckingError'],
  ];
  for (const [body, type] of cases) {
    const r = await api.post(url, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.type, type, JSON.stringify(body));
    assert.equal(typeof r.body.message, 'string');
  }
  const badJson = await api.post(url, '{nope', { 'content-type': 'application/json' });
  assert.equal(badJson.status, 400);
  const badPart = await postMultipart(t, a.analyst, url, [{ name: '_json', content: '{not json' }]);
  assert.equal(badPart.status, 400);
  const empty = await api.post(url, { dataType: 'domain', data: '' });
  assert.equal(empty.status, 400);
  assert.equal((await api.post('/api/v1/case/~999999999/observable', { dataType: 'domain', data: 'x' })).status, 404);
  assert.equal((await api.get('/api/v1/observable/~999999999')).status, 404);
  assert.equal((await api.patch('/api/v1/observable/~999999999', { message: 'x' })).status, 404);
  assert.equal((await api.patch('/api/v1/observable/_bulk', { message: 'x' })).status, 400);
  const o = (await api.post(url, { dataType: 'domain', data: 'bad.example.com' })).body[0];
  assert.equal((await api.patch(`/api/v1/observable/${o._id}`, { tlp: 'red' })).status, 400);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/observable/${o._id}/attachment/~1/download?asZip=maybe`)).status, 400);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/observable/${o._id}/attachment/~1/download`)).status, 404);
  const zipInput = await api.post(url, { dataType: 'file', isZip: true, zipPassword: 'infected' });
  assert.equal(zipInput.status, 400);
});

test('search by data across cases uses the data lookup table, not a scan', () => {
  const store = t.running.services.store as SqliteEntityStore;
  const plan = store.explain({
    entity: 'observable',
    where: q.and(q.visible([a.id]), q.eq('data', 'example.com')),
    sort: [],
    output: { kind: 'rows', from: 0, to: 10 },
  });
  assert.ok(
    plan.some((line) => /SCAN l\d+ VIRTUAL TABLE INDEX \d+:M/.test(line)),
    plan.join('\n'),
  );
  assert.ok(!plan.some((line) => /^SCAN t0\b/.test(line)), plan.join('\n'));
});
