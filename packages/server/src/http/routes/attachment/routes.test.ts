import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg, type Creds } from '../../../test/support.js';
import { getRaw, postMultipart } from './test-helpers.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
});
after(async () => t.close());

interface Att {
  _id: string;
  _type: string;
  name: string;
  size: number;
  contentType: string;
  id: string;
  hashes: string[];
}

const newCase = async (creds: Creds): Promise<string> => (await t.newCase(creds, { title: 'attachment case' }))._id;

function attachmentsOf(r: { status: number; json: unknown; bytes: Buffer }): Att[] {
  assert.equal(r.status, 201, r.bytes.toString());
  return (r.json as { attachments: Att[] }).attachments;
}

test('case attachments: upload several, download each, list, delete', async () => {
  const caseId = await newCase(a.analyst);
  const atts = attachmentsOf(
    await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/attachments`, [
      { name: 'attachments', filename: 'attachment-0.txt', contentType: 'text/plain', content: 'content of 0' },
      { name: 'attachments', filename: 'attachment-1.txt', content: 'content of 1' },
    ]),
  );
  assert.equal(atts.length, 2);
  assert.deepEqual(
    atts.map((x) => x.name),
    ['attachment-0.txt', 'attachment-1.txt'],
  );
  assert.equal(atts[0]!._type, 'Attachment');
  assert.equal(atts[0]!.size, 12);
  assert.match(atts[0]!.id, /^[0-9a-f]{64}$/);
  for (const [i, att] of atts.entries()) {
    for (const url of [`/api/v1/case/${caseId}/attachment/${att._id}/download`, `/api/v1/attachment/${att._id}/download`]) {
      const r = await getRaw(t, a.readonly, url);
      assert.equal(r.status, 200, url);
      assert.equal(r.bytes.toString(), `content of ${i}`);
      assert.equal(r.headers['content-type'], 'application/octet-stream');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.match(String(r.headers['content-disposition']), new RegExp(`^attachment; filename="attachment-${i}.txt"`));
    }
  }
  const api = t.as(a.analyst);
  const listed = await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'attachments' }, { _name: 'sort', _fields: [{ name: 'asc' }] }]);
  assert.deepEqual(listed.body, atts);
  assert.equal((await api.delete(`/api/v1/case/${caseId}/attachment/${atts[0]!._id}`)).status, 204);
  assert.equal((await api.delete(`/api/v1/attachment/${atts[1]!._id}`)).status, 204);
  assert.deepEqual((await api.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'attachments' }])).body, []);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/attachment/${atts[0]!._id}/download`)).status, 404);
  // the case number works as well
  const number = (await api.get(`/api/v1/case/${caseId}`)).body.number;
  const byNumber = attachmentsOf(
    await postMultipart(t, a.analyst, `/api/v1/case/${number}/attachments`, [{ name: 'attachments', filename: 'n.txt', content: 'n' }]),
  );
  assert.equal((await getRaw(t, a.analyst, `/api/v1/case/${number}/attachment/${byNumber[0]!._id}/download`)).status, 200);
});

test('file names are neutralised and HTML is served as a download, never inline', async () => {
  const caseId = await newCase(a.analyst);
  const atts = attachmentsOf(
    await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/attachments`, [
      { name: 'attachments', filename: '../../etc/passwd', content: 'root:x:0:0' },
      { name: 'attachments', filename: '..\\x', content: 'backslash' },
      { name: 'attachments', filename: '..', content: 'dots' },
      { name: 'attachments', filename: 'page.html', contentType: 'text/html', content: '<script>alert(1)</script>' },
      { name: 'attachments', filename: 'quo"te\r.txt', content: 'q' },
    ]),
  );
  for (const att of atts) {
    assert.ok(!att.name.includes('/') && !att.name.includes('\\'), att.name);
    assert.ok(!att.name.startsWith('..'), att.name);
    assert.ok(!/["\r\n]/.test(att.name), att.name);
    const r = await getRaw(t, a.analyst, `/api/v1/attachment/${att._id}/download`);
    assert.equal(r.status, 200);
    const cd = String(r.headers['content-disposition']);
    assert.match(cd, /^attachment; filename="[^"/\\]*"; filename\*=UTF-8''/);
    assert.ok(!cd.includes('..'), cd);
  }
  const html = atts.find((x) => x.name === 'page.html')!;
  const r = await getRaw(t, a.analyst, `/api/v1/case/${caseId}/attachment/${html._id}/download`);
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.match(String(r.headers['content-disposition']), /^attachment;/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.bytes.toString(), '<script>alert(1)</script>');
});

test('organisation attachments: canRename, listing through getOrganisation, download and delete', async () => {
  const first = attachmentsOf(
    await postMultipart(t, a.admin, '/api/v1/attachment', [
      { name: 'canRename', content: 'True' },
      { name: 'attachments', filename: 'attachment-0.txt', content: 'org content 0' },
      { name: 'attachments', filename: 'attachment-1.txt', content: 'org content 1' },
    ]),
  );
  assert.deepEqual(
    first.map((x) => x.name),
    ['attachment-0.txt', 'attachment-1.txt'],
  );
  const renamed = attachmentsOf(
    await postMultipart(t, a.admin, '/api/v1/attachment', [
      { name: 'canRename', content: 'True' },
      { name: 'attachments', filename: 'attachment-0.txt', content: 'again' },
      { name: 'attachments', filename: 'attachment-0.txt', content: 'and again' },
    ]),
  );
  assert.deepEqual(
    renamed.map((x) => x.name),
    ['attachment-0 (1).txt', 'attachment-0 (2).txt'],
  );
  const kept = attachmentsOf(
    await postMultipart(t, a.admin, '/api/v1/attachment', [
      { name: 'canRename', content: 'False' },
      { name: 'attachments', filename: 'attachment-1.txt', content: 'same name' },
    ]),
  );
  assert.equal(kept[0]!.name, 'attachment-1.txt');

  const dl = await getRaw(t, a.analyst, `/api/v1/attachment/${first[1]!._id}/download`);
  assert.equal(dl.status, 200);
  assert.equal(dl.bytes.toString(), 'org content 1');

  const all = [...first, ...renamed, ...kept];
  const listed = await t
    .as(a.analyst)
    .query([{ _name: 'getOrganisation', idOrName: a.name }, { _name: 'attachments' }, { _name: 'sort', _fields: [{ _createdAt: 'asc' }, { name: 'asc' }] }]);
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(new Set(listed.body.map((x: Att) => x._id)), new Set(all.map((x) => x._id)));
  assert.deepEqual(
    listed.body.find((x: Att) => x._id === first[0]!._id),
    first[0],
  );

  // other organisations: invisible, not listed, not deletable
  assert.equal((await getRaw(t, b.admin, `/api/v1/attachment/${first[0]!._id}/download`)).status, 404);
  assert.equal((await t.as(b.admin).delete(`/api/v1/attachment/${first[0]!._id}`)).status, 404);
  assert.deepEqual((await t.as(b.admin).query([{ _name: 'getOrganisation', idOrName: a.name }, { _name: 'attachments' }])).body, []);
  assert.deepEqual((await t.admin.query([{ _name: 'getOrganisation', idOrName: a.name }, { _name: 'attachments' }])).body, []);

  for (const att of all) assert.equal((await t.as(a.admin).delete(`/api/v1/attachment/${att._id}`)).status, 204);
  assert.deepEqual((await t.as(a.admin).query([{ _name: 'getOrganisation', idOrName: a.name }, { _name: 'attachments' }])).body, []);
});

test('other organisations get 404 on case attachments', async () => {
  const caseId = await newCase(a.analyst);
  const [att] = attachmentsOf(
    await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/attachments`, [{ name: 'attachments', filename: 'secret.txt', content: 'secret' }]),
  );
  assert.equal((await getRaw(t, b.admin, `/api/v1/case/${caseId}/attachment/${att!._id}/download`)).status, 404);
  assert.equal((await getRaw(t, b.admin, `/api/v1/attachment/${att!._id}/download`)).status, 404);
  assert.equal((await t.as(b.admin).delete(`/api/v1/case/${caseId}/attachment/${att!._id}`)).status, 404);
  assert.equal((await t.as(b.admin).delete(`/api/v1/attachment/${att!._id}`)).status, 404);
  assert.equal((await postMultipart(t, b.admin, `/api/v1/case/${caseId}/attachments`, [{ name: 'attachments', filename: 'x.txt', content: 'x' }])).status, 404);
  assert.deepEqual((await t.as(b.admin).query([{ _name: 'getCase', idOrName: caseId }, { _name: 'attachments' }])).body, []);
  // an attachment of another case is not reachable through this case
  const bCase = await newCase(b.analyst);
  assert.equal((await getRaw(t, b.admin, `/api/v1/case/${bCase}/attachment/${att!._id}/download`)).status, 404);
  const otherA = await newCase(a.analyst);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/case/${otherA}/attachment/${att!._id}/download`)).status, 404);
  assert.equal((await t.as(a.analyst).delete(`/api/v1/case/${otherA}/attachment/${att!._id}`)).status, 404);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/attachment/${att!._id}/download`)).status, 200);
});

test('read-only users can download but not upload or delete', async () => {
  const caseId = await newCase(a.analyst);
  const [att] = attachmentsOf(
    await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/attachments`, [{ name: 'attachments', filename: 'r.txt', content: 'r' }]),
  );
  assert.equal((await getRaw(t, a.readonly, `/api/v1/case/${caseId}/attachment/${att!._id}/download`)).status, 200);
  const up = await postMultipart(t, a.readonly, `/api/v1/case/${caseId}/attachments`, [{ name: 'attachments', filename: 'x.txt', content: 'x' }]);
  assert.equal(up.status, 403);
  assert.equal((up.json as { type: string }).type, 'AuthorizationError');
  assert.equal((await t.as(a.readonly).delete(`/api/v1/case/${caseId}/attachment/${att!._id}`)).status, 403);
  assert.equal((await t.as(a.readonly).delete(`/api/v1/attachment/${att!._id}`)).status, 403);
  assert.equal((await postMultipart(t, a.readonly, '/api/v1/attachment', [{ name: 'attachments', filename: 'x.txt', content: 'x' }])).status, 403);
  // organisation attachments need manageConfig (org-admin), not just analyst rights
  assert.equal((await postMultipart(t, a.analyst, '/api/v1/attachment', [{ name: 'attachments', filename: 'x.txt', content: 'x' }])).status, 403);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/attachment/${att!._id}/download`)).status, 200);
});

test('bad input gets 4xx', async () => {
  const caseId = await newCase(a.analyst);
  const api = t.as(a.analyst);
  const json = await api.post(`/api/v1/case/${caseId}/attachments`, { attachments: ['x'] });
  assert.equal(json.status, 400);
  assert.equal(json.body.type, 'BadRequest');
  const noFile = await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/attachments`, [{ name: 'comment', content: 'no file here' }]);
  assert.equal(noFile.status, 400);
  const badBool = await postMultipart(t, a.admin, '/api/v1/attachment', [
    { name: 'canRename', content: 'perhaps' },
    { name: 'attachments', filename: 'x.txt', content: 'x' },
  ]);
  assert.equal(badBool.status, 400);
  assert.equal((await getRaw(t, a.analyst, '/api/v1/attachment/~999999999/download')).status, 404);
  assert.equal((await api.delete('/api/v1/attachment/~999999999')).status, 404);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/case/${caseId}/attachment/~999999999/download`)).status, 404);
  assert.equal((await getRaw(t, a.analyst, '/api/v1/attachment/..%2F..%2Fetc%2Fpasswd/download')).status, 400);

  // the file of an observable is removed with the observable, not alone
  const r = await postMultipart(t, a.analyst, `/api/v1/case/${caseId}/observable`, [
    { name: '_json', content: JSON.stringify({ dataType: 'file' }) },
    { name: 'attachment', filename: 'obs.txt', content: 'obs' },
  ]);
  const obs = (r.json as Array<{ attachment: Att }>)[0]!;
  const del = await api.delete(`/api/v1/attachment/${obs.attachment._id}`);
  assert.equal(del.status, 400);
  assert.equal((await getRaw(t, a.analyst, `/api/v1/attachment/${obs.attachment._id}/download`)).status, 200);
});
