/**
 * Stored XSS through attachments (CVE-2024-22876, SB-SEC-ADV-2023-002/003: an uploaded HTML
 * file rendered in the application's origin) and path traversal in uploaded or deleted file
 * names (CVE-2024-34060, CVE-2026-22783). User files are served as downloads only
 * (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP, never text/html), names are
 * reduced to a plain base name, and ids in paths never reach the file system.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { testWaggle, type TestWaggle, type TestOrg, type Creds } from '../../packages/server/src/test/support.js';
import { basic } from './helpers.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;
let caseId: string;

const HTML = '<html><body><script>alert(document.cookie)</script></body></html>';

function multipart(files: Array<{ name: string; filename: string; content: string; type?: string }>): { payload: Buffer; contentType: string } {
  const boundary = '----waggleSecurityBoundary7e3f';
  const chunks: Buffer[] = [];
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type ?? 'text/html'}\r\n\r\n`,
      ),
      Buffer.from(f.content),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function send(creds: Creds, method: 'GET' | 'POST' | 'DELETE', url: string, body?: { payload: Buffer; contentType: string }): Promise<LightMyRequestResponse> {
  return t.running.app.inject({
    method,
    url,
    headers: {
      authorization: basic(creds.login, creds.password),
      ...(creds.org ? { 'x-organisation': creds.org } : {}),
      ...(body ? { 'content-type': body.contentType } : {}),
    },
    ...(body ? { payload: body.payload } : {}),
  });
}

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  const c = await t.as(a.analyst).post('/api/v1/case', { title: 'with files', description: 'x' });
  assert.equal(c.status, 201);
  caseId = c.body._id as string;
});
after(async () => t?.close());

function assertDownloadHeaders(r: LightMyRequestResponse, what: string): void {
  assert.equal(r.statusCode, 200, `${what}: ${r.body}`);
  assert.match(String(r.headers['content-disposition']), /^attachment;/, what);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
  assert.doesNotMatch(String(r.headers['content-type']), /html|xml|svg|javascript/i, what);
  assert.match(String(r.headers['content-security-policy'] ?? ''), /sandbox/, what);
}

test('an uploaded HTML file is only ever served as a sandboxed download, never inline', async () => {
  const up = await send(a.analyst, 'POST', `/api/v1/case/${caseId}/attachments`, multipart([{ name: 'attachments', filename: 'report.html', content: HTML }]));
  assert.equal(up.statusCode, 201, up.body);
  const att = (JSON.parse(up.body) as { attachments: Array<{ _id: string; id: string; name: string }> }).attachments[0]!;
  for (const url of [`/api/v1/case/${caseId}/attachment/${att._id}/download`, `/api/v1/attachment/${att._id}/download`]) {
    const r = await send(a.analyst, 'GET', url);
    assertDownloadHeaders(r, url);
    assert.equal(r.body, HTML, 'the bytes are served unchanged, as a file');
  }
  // another organisation cannot fetch it by id
  assert.equal((await send(b.admin, 'GET', `/api/v1/attachment/${att._id}/download`)).statusCode, 404);
  assert.equal((await send(b.admin, 'GET', `/api/v1/case/${caseId}/attachment/${att._id}/download`)).statusCode, 404);
});

test('file observables are downloaded the same way, zipped or not', async () => {
  const body = multipart([{ name: 'attachment', filename: 'evil.svg', content: '<svg onload="alert(1)"/>', type: 'image/svg+xml' }]);
  const withJson = {
    payload: Buffer.concat([
      Buffer.from(`------waggleSecurityBoundary7e3f\r\nContent-Disposition: form-data; name="_json"\r\n\r\n{"dataType":"file","message":"svg"}\r\n`),
      body.payload,
    ]),
    contentType: body.contentType,
  };
  const r = await send(a.analyst, 'POST', `/api/v1/case/${caseId}/observable`, withJson);
  assert.ok(r.statusCode === 201 || r.statusCode === 200, r.body);
  const obs = (JSON.parse(r.body) as Array<{ _id: string; attachment?: { _id?: string; id?: string } }>)[0]!;
  const attId = obs.attachment?._id ?? obs.attachment?.id;
  assert.ok(attId, r.body);
  for (const zip of ['False', 'True']) {
    const d = await send(a.analyst, 'GET', `/api/v1/observable/${obs._id}/attachment/${attId}/download?asZip=${zip}`);
    assertDownloadHeaders(d, `observable asZip=${zip}`);
  }
});

test('uploaded file names are reduced to a safe base name; nothing is written outside the store', async () => {
  const names = [
    '../../../../../tmp/waggle-pwned.txt',
    '..\\..\\..\\windows\\system.ini',
    '/etc/passwd',
    '....//....//x.txt',
    '..',
    '.htaccess',
    'a\u0000b.txt',
    'x"; filename="evil.html',
    '<img src=x onerror=alert(1)>.png',
  ];
  const up = await send(
    a.analyst,
    'POST',
    `/api/v1/case/${caseId}/attachments`,
    multipart(names.map((n, i) => ({ name: 'attachments', filename: n, content: `file ${i}`, type: 'text/plain' }))),
  );
  assert.equal(up.statusCode, 201, up.body);
  const atts = (JSON.parse(up.body) as { attachments: Array<{ _id: string; name: string }> }).attachments;
  assert.equal(atts.length, names.length);
  for (const att of atts) {
    assert.doesNotMatch(att.name, /[\\/\0]/, att.name);
    assert.ok(!att.name.startsWith('.'), att.name);
    const d = await send(a.analyst, 'GET', `/api/v1/attachment/${att._id}/download`);
    assertDownloadHeaders(d, att.name);
    const disposition = String(d.headers['content-disposition']);
    assert.equal((disposition.match(/filename=/g) ?? []).length, 1, `one plain filename parameter: ${disposition}`);
    assert.doesNotMatch(disposition, /[\r\n]/);
  }
  assert.equal(existsSync('/tmp/waggle-pwned.txt'), false);
  assert.deepEqual(
    readdirSync(t.dataDir).filter((f) => !['files', 'secret.key'].includes(f) && !f.startsWith('waggle.db')),
    [],
    'only the database, the secret and the file store live in the data directory',
  );
  assert.ok(existsSync(join(t.dataDir, 'files')));
});

test('traversal in attachment ids is a 4xx and never reads a file', async () => {
  const ids = ['..%2F..%2F..%2Fetc%2Fpasswd', '..%252F..%252Fetc%252Fpasswd', '%2e%2e%2f%2e%2e%2fsecret.key', '..', '%00', 'x'.repeat(5000), '~1%00.html'];
  for (const id of ids) {
    for (const url of [`/api/v1/attachment/${id}/download`, `/api/v1/case/${caseId}/attachment/${id}/download`, `/api/v1/attachment/${id}`]) {
      const r = await send(a.analyst, url.endsWith('/download') ? 'GET' : 'DELETE', url);
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url}: ${r.statusCode}`);
      assert.doesNotMatch(r.body, /root:|\[boot loader\]/);
      const body = JSON.parse(r.body) as { type?: unknown; message?: unknown };
      assert.equal(typeof body.type, 'string', `${url}: ${r.statusCode} ${r.body}`);
    }
  }
  assert.ok(existsSync(join(t.dataDir, 'secret.key')), 'nothing was deleted');
});
