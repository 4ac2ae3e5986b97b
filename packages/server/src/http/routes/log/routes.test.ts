import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg, type Creds, type Res } from '../../../test/support.js';
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

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  content: string;
}

/** A multipart body shaped like Python `requests` sends it. */
function multipart(parts: Part[]): { body: string; contentType: string } {
  const boundary = `----waggle${Math.random().toString(16).slice(2)}`;
  let body = '';
  for (const p of parts) {
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`;
    if (p.contentType) body += `Content-Type: ${p.contentType}\r\n`;
    body += `\r\n${p.content}\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

function postMultipart(creds: Creds, url: string, parts: Part[]): Promise<Res> {
  const m = multipart(parts);
  return t.as(creds).post(url, m.body, { 'content-type': m.contentType });
}

async function newTask(org: TestOrg): Promise<{ caseId: string; taskId: string }> {
  const api = t.as(org.analyst);
  const c = await api.post('/api/v1/case', { title: 'log case', description: 'd' });
  const task = await api.post(`/api/v1/case/${c.body._id}/task`, { title: 'log task' });
  assert.equal(task.status, 201, task.text);
  return { caseId: c.body._id, taskId: task.body._id };
}

/** Downloads through the attachment route when it exists, otherwise through the service. */
async function download(creds: Creds, orgId: string, orgName: string, attachmentId: string): Promise<string> {
  const r = await t.as(creds).get(`/api/v1/attachment/${attachmentId}/download`);
  if (r.status === 200) {
    assert.match(String(r.headers['content-disposition']), /^attachment;/);
    return r.text;
  }
  assert.equal(r.status, 404);
  assert.match(String(r.body?.message), /No route/);
  const { stream } = await t.running.services.attachments.open(systemActor(orgId, orgName), attachmentId);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

void test('JSON log: create == getLog == task logs, and the waiting task starts', async () => {
  const { taskId } = await newTask(a);
  const api = t.as(a.analyst);
  const now = Date.now();
  const created = await api.post(`/api/v1/task/${taskId}/log`, { message: 'My test log', includeInTimeline: now, startDate: now - 1000 });
  assert.equal(created.status, 201, created.text);
  const log = created.body;
  assert.equal(log._type, 'Log');
  assert.equal(log.message, 'My test log');
  assert.equal(log.date, now - 1000);
  assert.equal(log.includeInTimeline, now);
  assert.equal(log.owner, a.analyst.login);
  assert.deepEqual(log.attachments, []);
  assert.deepEqual(log.extraData, {});

  const got = await api.query([{ _name: 'getLog', idOrName: log._id }]);
  assert.deepEqual(got.body, [log]);
  const logs = await api.query([{ _name: 'getTask', idOrName: taskId }, { _name: 'logs' }]);
  assert.deepEqual(logs.body, [log]);
  const listed = await api.query([{ _name: 'listLog' }, { _name: 'filter', _eq: { _field: 'message', _value: 'My test log' } }, { _name: 'count' }]);
  assert.equal(listed.body, 1);

  const task = (await api.get(`/api/v1/task/${taskId}`)).body;
  assert.equal(task.status, 'InProgress');
  assert.equal(typeof task.startDate, 'number');

  const plain = (await api.post(`/api/v1/task/${taskId}/log`, { message: 'no dates', attachments: ['/tmp/ignored.txt'] })).body;
  assert.equal(plain.includeInTimeline, undefined);
  assert.equal(typeof plain.date, 'number');
  assert.deepEqual(plain.attachments, []);
});

void test('multipart log with two attachments and a _json file part; download both', async () => {
  const { caseId, taskId } = await newTask(a);
  const json = JSON.stringify({
    message: 'with files',
    includeInTimeline: Date.now(),
    attachments: ['/home/me/attachment-0.txt', '/home/me/attachment-1.txt'],
  });
  const r = await postMultipart(a.analyst, `/api/v1/task/${taskId}/log`, [
    { name: 'attachments', filename: 'attachment-0.txt', contentType: 'text/plain', content: 'content of zero' },
    { name: 'attachments', filename: 'attachment-1.txt', content: 'content of one' },
    { name: '_json', filename: '_json', content: json },
  ]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.message, 'with files');
  assert.equal(r.body.attachments.length, 2);
  const [att0, att1] = r.body.attachments;
  assert.equal(att0.name, 'attachment-0.txt');
  assert.equal(att0.contentType, 'text/plain');
  assert.equal(att0.size, 'content of zero'.length);
  assert.equal(att0._type, 'Attachment');
  assert.equal(att1.name, 'attachment-1.txt');
  assert.equal(att0.hashes.length, 1);

  const got = await t.as(a.analyst).query([{ _name: 'getLog', idOrName: r.body._id }]);
  assert.deepEqual(got.body, [r.body]);

  const stored = await t.running.services.store.get('attachment', att0._id);
  assert.equal(stored?._parents.log, r.body._id);
  assert.equal(stored?._parents.case, caseId);
  assert.equal(stored?._parents.task, taskId);

  assert.equal(await download(a.analyst, a.id, a.name, att0._id), 'content of zero');
  assert.equal(await download(a.analyst, a.id, a.name, att1._id), 'content of one');
});

void test('multipart log with _json as a plain field', async () => {
  const { taskId } = await newTask(a);
  const r = await postMultipart(a.analyst, `/api/v1/task/${taskId}/log`, [
    { name: '_json', content: JSON.stringify({ message: 'plain json field' }) },
    { name: 'attachments', filename: 'x.bin', content: 'x' },
  ]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.message, 'plain json field');
  assert.equal(r.body.attachments.length, 1);
});

void test('update a log, add and delete attachments, delete the log', async () => {
  const { taskId } = await newTask(a);
  const api = t.as(a.analyst);
  const log = (await api.post(`/api/v1/task/${taskId}/log`, { message: 'before' })).body;
  assert.equal((await api.patch(`/api/v1/log/${log._id}`, { message: 'after', includeInTimeline: 1234 })).status, 204);
  let got = (await api.query([{ _name: 'getLog', idOrName: log._id }])).body[0];
  assert.equal(got.message, 'after');
  assert.equal(got.includeInTimeline, 1234);
  assert.equal(got._updatedBy, a.analyst.login);
  assert.equal((await api.patch(`/api/v1/log/${log._id}`, { includeInTimeline: null })).status, 204);
  got = (await api.query([{ _name: 'getLog', idOrName: log._id }])).body[0];
  assert.equal(got.includeInTimeline, undefined);

  const added = await postMultipart(a.analyst, `/api/v1/log/${log._id}/attachments`, [
    { name: 'attachments', filename: 'my-attachment.txt', content: 'some content...' },
  ]);
  assert.equal(added.status, 201, added.text);
  got = (await api.query([{ _name: 'getLog', idOrName: log._id }])).body[0];
  assert.equal(got.attachments.length, 1);
  assert.equal(got.attachments[0].name, 'my-attachment.txt');
  assert.equal(await download(a.analyst, a.id, a.name, got.attachments[0]._id), 'some content...');

  const other = (await api.post(`/api/v1/task/${taskId}/log`, { message: 'other' })).body;
  assert.equal((await api.delete(`/api/v1/log/${other._id}/attachments/${got.attachments[0]._id}`)).status, 404);
  assert.equal((await api.delete(`/api/v1/log/${log._id}/attachments/${got.attachments[0]._id}`)).status, 204);
  got = (await api.query([{ _name: 'getLog', idOrName: log._id }])).body[0];
  assert.deepEqual(got.attachments, []);

  assert.equal((await api.delete(`/api/v1/log/${log._id}`)).status, 204);
  assert.deepEqual((await api.query([{ _name: 'getLog', idOrName: log._id }])).body, []);
  assert.equal((await api.delete(`/api/v1/log/${log._id}`)).status, 404);
});

void test('bad input gets 4xx', async () => {
  const { taskId } = await newTask(a);
  const api = t.as(a.analyst);
  const noMessage = await api.post(`/api/v1/task/${taskId}/log`, { startDate: 1 });
  assert.equal(noMessage.status, 400);
  assert.equal(noMessage.body.type, 'AttributeCheckingError');
  const badDate = await api.post(`/api/v1/task/${taskId}/log`, { message: 'x', includeInTimeline: 'tomorrow' });
  assert.equal(badDate.status, 400);
  const noBody = await api.post(`/api/v1/task/${taskId}/log`);
  assert.equal(noBody.status, 400);
  const badJson = await postMultipart(a.analyst, `/api/v1/task/${taskId}/log`, [{ name: '_json', content: '{not json' }]);
  assert.equal(badJson.status, 400);
  assert.equal(badJson.body.type, 'BadRequest');
  const missingJson = await postMultipart(a.analyst, `/api/v1/task/${taskId}/log`, [{ name: 'attachments', filename: 'a.txt', content: 'a' }]);
  assert.equal(missingJson.status, 400);
  const log = (await api.post(`/api/v1/task/${taskId}/log`, { message: 'x' })).body;
  const badPatch = await api.patch(`/api/v1/log/${log._id}`, { message: 42 });
  assert.equal(badPatch.status, 400);
  const notMultipart = await api.post(`/api/v1/log/${log._id}/attachments`, { x: 1 });
  assert.equal(notMultipart.status, 400);
  const noFiles = await postMultipart(a.analyst, `/api/v1/log/${log._id}/attachments`, [{ name: 'canRename', content: 'True' }]);
  assert.equal(noFiles.status, 400);
  assert.equal((await api.post('/api/v1/task/~999999999/log', { message: 'x' })).status, 404);
});

void test('another organisation gets 404 on every log endpoint', async () => {
  const { taskId } = await newTask(a);
  const api = t.as(a.analyst);
  const log = (await api.post(`/api/v1/task/${taskId}/log`, { message: 'secret log' })).body;
  const att = (await postMultipart(a.analyst, `/api/v1/log/${log._id}/attachments`, [{ name: 'attachments', filename: 's.txt', content: 's' }])).body
    .attachments[0];
  const other = t.as(b.admin);
  assert.equal((await other.post(`/api/v1/task/${taskId}/log`, { message: 'x' })).status, 404);
  assert.equal((await postMultipart(b.admin, `/api/v1/task/${taskId}/log`, [{ name: '_json', content: '{"message":"x"}' }])).status, 404);
  assert.equal((await other.patch(`/api/v1/log/${log._id}`, { message: 'x' })).status, 404);
  assert.equal((await other.delete(`/api/v1/log/${log._id}`)).status, 404);
  assert.equal((await postMultipart(b.admin, `/api/v1/log/${log._id}/attachments`, [{ name: 'attachments', filename: 'x', content: 'x' }])).status, 404);
  assert.equal((await other.delete(`/api/v1/log/${log._id}/attachments/${att._id}`)).status, 404);
  assert.deepEqual((await other.query([{ _name: 'getLog', idOrName: log._id }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'listLog' }, { _name: 'filter', _eq: { _field: 'message', _value: 'secret log' } }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'getTask', idOrName: taskId }, { _name: 'logs' }])).body, []);
  const still = (await api.query([{ _name: 'getLog', idOrName: log._id }])).body[0];
  assert.equal(still.message, 'secret log');
  assert.equal(still.attachments.length, 1);
});

void test('read-only users can read logs but get 403 on writes', async () => {
  const { taskId } = await newTask(a);
  const log = (await t.as(a.analyst).post(`/api/v1/task/${taskId}/log`, { message: 'ro' })).body;
  const ro = t.as(a.readonly);
  assert.deepEqual((await ro.query([{ _name: 'getLog', idOrName: log._id }])).body, [log]);
  for (const r of [
    await ro.post(`/api/v1/task/${taskId}/log`, { message: 'x' }),
    await postMultipart(a.readonly, `/api/v1/task/${taskId}/log`, [{ name: '_json', content: '{"message":"x"}' }]),
    await ro.patch(`/api/v1/log/${log._id}`, { message: 'x' }),
    await ro.delete(`/api/v1/log/${log._id}`),
    await postMultipart(a.readonly, `/api/v1/log/${log._id}/attachments`, [{ name: 'attachments', filename: 'x', content: 'x' }]),
  ]) {
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.type, 'AuthorizationError');
  }
});
