import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Creds, type TestWaggle, type TestOrg } from '../../../test/support.js';
import { readThar, writeThar } from '../../../services/thar.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  assert.equal((await t.admin.put('/api/v1/organisation/org-b/link/org-a', {})).status, 204);
});
after(async () => t.close());

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  content: Buffer | string;
}

function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----waggle${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`;
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function send(creds: Creds, method: 'GET' | 'POST', url: string, parts?: Part[]) {
  const m = parts ? multipart(parts) : undefined;
  const r = await t.running.app.inject({
    method,
    url,
    headers: {
      authorization: `Basic ${Buffer.from(`${creds.login}:${creds.password}`).toString('base64')}`,
      ...(creds.org ? { 'x-organisation': creds.org } : {}),
      ...(m ? { 'content-type': m.contentType } : {}),
    },
    ...(m ? { payload: m.body } : {}),
  });
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    body = undefined;
  }
  return { status: r.statusCode, raw: r.rawPayload, body: body as Record<string, any>, text: r.body, headers: r.headers };
}

const importArchive = (creds: Creds, archive: Buffer, json: Record<string, unknown>) =>
  send(creds, 'POST', '/api/v1/case/import', [
    { name: '_json', content: JSON.stringify(json) },
    { name: 'file', filename: 'export.thar', contentType: 'application/octet-stream', content: archive },
  ]);

test('thar codec: round trip, wrong password, corrupt data', () => {
  const entries = [
    { name: 'case.json', data: Buffer.from('{"a":1}') },
    { name: 'files/x', data: Buffer.alloc(10_000, 7) },
  ];
  const zip = writeThar(entries, 'pw');
  assert.deepEqual(readThar(zip, 'pw', { maxEntries: 10, maxTotalSize: 1e6 }), entries);
  assert.throws(() => readThar(zip, 'nope', { maxEntries: 10, maxTotalSize: 1e6 }), /password/);
  assert.throws(() => readThar(zip, 'pw', { maxEntries: 1, maxTotalSize: 1e6 }), /entries/);
  assert.throws(() => readThar(zip, 'pw', { maxEntries: 10, maxTotalSize: 100 }), /too large/);
  assert.throws(() => readThar(Buffer.from('not a zip at all, really not'), 'pw', { maxEntries: 10, maxTotalSize: 1e6 }), /not a ZIP/);
});

test('export then import a case with its data, in another organisation', async () => {
  const api = t.as(a.analyst);
  const c = await api.post('/api/v1/case', { title: 'exported', description: 'all of it', tags: ['t1'], severity: 3 });
  const id = c.body._id;
  const task = await api.post(`/api/v1/case/${id}/task`, { title: 'triage', group: 'g1' });
  await api.post(`/api/v1/task/${task.body._id}/log`, { message: 'did a thing' });
  await api.post(`/api/v1/case/${id}/observable`, { dataType: 'domain', data: 'example.com', tags: ['bad'], ioc: true });
  const fileObs = await send(a.analyst, 'POST', `/api/v1/case/${id}/observable`, [
    { name: '_json', content: JSON.stringify({ dataType: 'file', message: 'sample' }) },
    { name: 'attachment', filename: 'sample.txt', contentType: 'text/plain', content: 'malicious bytes' },
  ]);
  assert.equal(fileObs.status, 201, fileObs.text);
  const att = await send(a.analyst, 'POST', `/api/v1/case/${id}/attachments`, [
    { name: 'attachments', filename: 'notes.txt', contentType: 'text/plain', content: 'case notes' },
  ]);
  assert.equal(att.status, 201, att.text);
  await api.post(`/api/v1/case/${id}/page`, { title: 'Summary', content: '# hi', category: 'reports' });
  await api.post(`/api/v1/case/${id}/comment`, { message: 'a comment' });
  await api.post(`/api/v1/case/${id}/procedure`, { occurDate: 1_700_000_000_000, patternId: 'T1059.006', tactic: 'execution' });

  const exp = await send(a.readonly, 'GET', `/api/v1/case/${id}/export?password=test`);
  assert.equal(exp.status, 200, exp.text);
  assert.match(String(exp.headers['content-disposition']), /^attachment;.*\.thar/);
  const archive = exp.raw;
  assert.equal(archive.readUInt32LE(0), 0x04034b50);

  // isolation and validation of export
  assert.equal((await send(b.analyst, 'GET', `/api/v1/case/${id}/export?password=test`)).status, 404);
  assert.equal((await send(a.analyst, 'GET', `/api/v1/case/${id}/export`)).status, 400);

  const imported = await importArchive(b.analyst, archive, { password: 'test' });
  assert.equal(imported.status, 201, imported.text);
  assert.equal(imported.body.case.title, 'exported');
  assert.equal(imported.body.case.description, 'all of it');
  assert.equal(imported.body.case.severity, 3);
  assert.deepEqual(imported.body.case.tags, ['t1']);
  assert.notEqual(imported.body.case._id, id);
  assert.deepEqual(imported.body.errors, []);
  assert.equal(imported.body.observables.length, 2);
  assert.equal(imported.body.procedures.length, 1);
  const newId = imported.body.case._id;
  const bApi = t.as(b.analyst);
  assert.deepEqual((await bApi.get(`/api/v1/case/${newId}`)).body, imported.body.case);
  assert.equal((await api.get(`/api/v1/case/${newId}`)).status, 404);

  const tasks = await bApi.query([{ _name: 'getCase', idOrName: newId }, { _name: 'tasks' }]);
  assert.deepEqual(
    tasks.body.map((x: { title: string; group: string }) => [x.title, x.group]),
    [['triage', 'g1']],
  );
  const logs = await bApi.query([{ _name: 'getTask', idOrName: tasks.body[0]._id }, { _name: 'logs' }]);
  assert.deepEqual(
    logs.body.map((x: { message: string }) => x.message),
    ['did a thing'],
  );
  const obs = await bApi.query([{ _name: 'getCase', idOrName: newId }, { _name: 'observables' }, { _name: 'sort', _fields: [{ dataType: 'asc' }] }]);
  assert.deepEqual(
    obs.body.map((o: { dataType: string }) => o.dataType),
    ['domain', 'file'],
  );
  assert.equal(obs.body[0].ioc, true);
  const fileOut = obs.body[1];
  const dl = await send(b.analyst, 'GET', `/api/v1/observable/${fileOut._id}/attachment/${fileOut.attachment._id}/download?asZip=False`);
  assert.equal(dl.status, 200);
  assert.equal(dl.raw.toString(), 'malicious bytes');
  const caseAtts = await bApi.query([{ _name: 'getCase', idOrName: newId }, { _name: 'attachments' }]);
  assert.deepEqual(
    caseAtts.body.map((x: { name: string }) => x.name),
    ['notes.txt'],
  );
  const pages = await bApi.query([{ _name: 'getCase', idOrName: newId }, { _name: 'pages' }]);
  assert.deepEqual(
    pages.body.map((x: { title: string }) => x.title),
    ['Summary'],
  );
  const comments = await bApi.query([{ _name: 'getCase', idOrName: newId }, { _name: 'comments' }]);
  assert.deepEqual(
    comments.body.map((x: { message: string }) => x.message),
    ['a comment'],
  );

  // importing twice gives two independent cases (observables are unique per case, not globally)
  const again = await importArchive(a.analyst, archive, { password: 'test', sharingParameters: [{ organisation: 'org-b', profile: 'read-only' }] });
  assert.equal(again.status, 201, again.text);
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${again.body.case._id}`)).status, 200);
  assert.equal((await t.as(b.analyst).patch(`/api/v1/case/${again.body.case._id}`, { title: 'x' })).status, 403);
});

test('import: wrong password, bad archives and bad requests are 4xx; read-only users cannot import', async () => {
  const api = t.as(a.analyst);
  const c = await api.post('/api/v1/case', { title: 'small', description: 'd' });
  const archive = (await send(a.analyst, 'GET', `/api/v1/case/${c.body._id}/export?password=secret`)).raw;
  const wrong = await importArchive(a.analyst, archive, { password: 'nope' });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.message, /password/);
  assert.equal((await importArchive(a.analyst, Buffer.from('garbage'), { password: 'x' })).status, 400);
  assert.equal((await importArchive(a.analyst, writeThar([{ name: 'other.txt', data: Buffer.from('x') }], 'x'), { password: 'x' })).status, 400);
  assert.equal((await importArchive(a.analyst, writeThar([{ name: 'case.json', data: Buffer.from('{not json') }], 'x'), { password: 'x' })).status, 400);
  assert.equal((await importArchive(a.analyst, archive, {})).status, 400);
  const noFile = await send(a.analyst, 'POST', '/api/v1/case/import', [{ name: '_json', content: JSON.stringify({ password: 'secret' }) }]);
  assert.equal(noFile.status, 400);
  const ro = await importArchive(a.readonly, archive, { password: 'secret' });
  assert.equal(ro.status, 403);
  // crafted content: wrong types are ignored, unknown observable types are reported
  const crafted = writeThar(
    [
      {
        name: 'case.json',
        data: Buffer.from(
          JSON.stringify({
            version: 1,
            case: { title: 'crafted', description: 5, severity: 99, tags: ['ok', 3] },
            observables: [{ dataType: 'no-such-type', data: 'x' }],
            tasks: [{ title: { x: 1 } }],
          }),
        ),
      },
    ],
    'x',
  );
  const r = await importArchive(a.analyst, crafted, { password: 'x' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.case.severity, 2);
  assert.deepEqual(r.body.case.tags, ['ok']);
  assert.equal(r.body.errors.length, 1);
});
