/**
 * Every route that sends a user file (CVE-2024-22876, SB-SEC-ADV-2023-002: an uploaded HTML
 * file rendered in the application's origin) answers with the same download headers:
 * `Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`, a content type that no
 * browser renders (`application/octet-stream`) and a sandboxing CSP, whatever the stored
 * content type and whatever file name the uploader (or the query string) chose.
 * `attachments.test.ts` covers case, organisation and observable files; this file covers
 * alert and task-log attachments, case archives and the Cortex datastore, and checks that no
 * download route of the OpenAPI document is left out.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testWaggle, type TestWaggle, type TestOrg } from '../../packages/server/src/test/support.js';
import { getRaw, postMultipart, toRaw, type RawRes } from '../../packages/server/src/http/routes/attachment/test-helpers.js';
import { buildAnalysisApp } from '../../packages/server/src/analysis/http/app.js';
import { writeTestWorkers } from '../../packages/server/src/analysis/test/workers.js';
import { basic } from './helpers.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;
let cortex: FastifyInstance;
let workDir: string;
let caseId: string;

const HTML = '<html><body><script>parent.__xss = 1</script></body></html>';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
/** Names a browser or a header parser could trip on: active types, quotes, CR/LF, non-Latin-1. */
const HOSTILE_NAMES = ['report.html', 'logo.svg', 'x"; filename="evil.html', 'a\r\nSet-Cookie: pwned=1', 'rapport-✓-📎.html', '..%2F..%2Fetc%2Fpasswd'];

/** The download headers every user file must carry. */
function assertDownload(r: RawRes, what: string): void {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.bytes.toString('utf8').slice(0, 300)}`);
  const disposition = String(r.headers['content-disposition']);
  // exactly `attachment`, one quoted ASCII name, one RFC 5987 name: nothing a parser could split
  assert.match(disposition, /^attachment; filename="[\x20-\x21\x23-\x5b\x5d-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%._~!*'()-]+$/, `${what}: ${disposition}`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(r.headers['content-type'], 'application/octet-stream', what);
  assert.match(String(r.headers['content-security-policy'] ?? ''), /\bsandbox\b/, what);
  assert.match(String(r.headers['content-security-policy'] ?? ''), /default-src 'none'/, what);
  assert.equal(r.headers['set-cookie'], undefined, `${what}: no header injection`);
}

async function cortexGet(url: string, creds = a.analyst): Promise<RawRes> {
  return toRaw(await cortex.inject({ method: 'GET', url, headers: { authorization: basic(creds.login, creds.password) } }));
}

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'waggle-downloads-'));
  const folders = writeTestWorkers(workDir);
  t = await testWaggle({
    WAGGLE_ANALYZER_FOLDERS: folders.analyzers,
    WAGGLE_RESPONDER_FOLDERS: folders.responders,
    WAGGLE_ANALYSIS_JOB_DIRECTORY: join(workDir, 'jobs'),
  });
  cortex = await buildAnalysisApp(t.running.services, { logger: false });
  a = await t.org('dl-a');
  b = await t.org('dl-b');
  const c = await t.as(a.analyst).post('/api/v1/case', { title: 'downloads', description: 'files' });
  assert.equal(c.status, 201, c.text);
  caseId = c.body._id as string;
});
after(async () => {
  await cortex?.close();
  await t?.close();
  rmSync(workDir, { recursive: true, force: true });
});

test('alert attachments are served as sandboxed downloads, to the alert organisation only', async () => {
  const al = await t.as(a.analyst).post('/api/v1/alert', { type: 'ext', source: 'dl', sourceRef: 'dl-1', title: 'with files', description: 'x' });
  assert.equal(al.status, 201, al.text);
  const up = await postMultipart(t, a.analyst, `/api/v1/alert/${al.body._id}/attachments`, [
    { name: 'attachments', filename: 'page.html', contentType: 'text/html', content: HTML },
    { name: 'attachments', filename: 'logo.svg', contentType: 'image/svg+xml', content: SVG },
  ]);
  assert.equal(up.status, 201, JSON.stringify(up.json));
  const atts = (up.json as { attachments: Array<{ _id: string; name: string }> }).attachments;
  assert.equal(atts.length, 2);
  for (const att of atts) {
    const url = `/api/v1/alert/${al.body._id}/attachment/${att._id}/download`;
    const r = await getRaw(t, a.analyst, url);
    assertDownload(r, url);
    assert.equal(r.bytes.toString('utf8'), att.name.endsWith('.svg') ? SVG : HTML, 'bytes unchanged');
    assert.equal((await getRaw(t, b.admin, url)).status, 404, 'another organisation gets 404');
  }
});

test('task log attachments (the path the UI links to) are served as sandboxed downloads', async () => {
  const task = await t.as(a.analyst).post(`/api/v1/case/${caseId}/task`, { title: 'collect' });
  assert.equal(task.status, 201, task.text);
  const log = await postMultipart(t, a.analyst, `/api/v1/task/${task.body._id}/log`, [
    { name: '_json', content: JSON.stringify({ message: 'see the page' }) },
    { name: 'attachment', filename: 'phish.html', contentType: 'text/html', content: HTML },
  ]);
  assert.equal(log.status, 201, JSON.stringify(log.json));
  const body = log.json as { _id: string; attachments?: Array<{ _id: string; path?: string }> };
  const att = body.attachments?.[0];
  assert.ok(att, `the log lists its attachment: ${JSON.stringify(body)}`);
  for (const url of [att.path ?? `/api/v1/attachment/${att._id}/download`, `/api/v1/attachment/${att._id}/download`]) {
    const r = await getRaw(t, a.analyst, url);
    assertDownload(r, url);
    assert.equal(r.bytes.toString('utf8'), HTML);
  }
  const more = await postMultipart(t, a.analyst, `/api/v1/log/${body._id}/attachments`, [
    { name: 'attachments', filename: 'a\r\nb.svg', contentType: 'image/svg+xml', content: SVG },
  ]);
  assert.equal(more.status, 201, JSON.stringify(more.json));
  const second = (more.json as { attachments: Array<{ _id: string }> }).attachments[0]!;
  assertDownload(await getRaw(t, a.analyst, `/api/v1/attachment/${second._id}/download`), 'second log attachment');
});

test('hostile file names never break the headers (no 500, no injection, one filename)', async () => {
  const up = await postMultipart(
    t,
    a.analyst,
    `/api/v1/case/${caseId}/attachments`,
    HOSTILE_NAMES.map((n) => ({ name: 'attachments', filename: n, contentType: 'text/html', content: HTML })),
  );
  assert.equal(up.status, 201, JSON.stringify(up.json));
  for (const att of (up.json as { attachments: Array<{ _id: string; name: string }> }).attachments) {
    const r = await getRaw(t, a.analyst, `/api/v1/case/${caseId}/attachment/${att._id}/download`);
    assertDownload(r, JSON.stringify(att.name));
    const star = /filename\*=UTF-8''([^;]+)/.exec(String(r.headers['content-disposition']))?.[1];
    assert.equal(decodeURIComponent(star ?? ''), att.name, 'the UTF-8 name round-trips');
  }
});

test('case archives are downloads too', async () => {
  const r = await getRaw(t, a.analyst, `/api/v1/case/${caseId}/export?password=secret`);
  assertDownload(r, 'case export');
  assert.equal(Number(r.headers['content-length']), r.bytes.length);
});

test('Cortex datastore files are sandboxed downloads whatever `name` the query string asks for', async () => {
  const defs = await cortex.inject({
    method: 'POST',
    url: '/api/organization/analyzer/Echo_1_0',
    headers: { authorization: basic(a.admin.login, a.admin.password), 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'Echo_1_0', configuration: { key: 'k' } }),
  });
  assert.equal(defs.statusCode, 201, defs.body);
  const workerId = (JSON.parse(defs.body) as { id: string }).id;
  const run = await cortex.inject({
    method: 'POST',
    url: `/api/analyzer/${workerId}/run`,
    headers: { authorization: basic(a.analyst.login, a.analyst.password), 'content-type': 'application/json' },
    payload: JSON.stringify({ data: 'example.org', dataType: 'domain' }),
  });
  assert.equal(run.statusCode, 200, run.body);
  const jobId = (JSON.parse(run.body) as { id: string }).id;
  const done = await cortexGet(`/api/job/${jobId}/waitreport?atMost=30seconds`);
  assert.equal((done.json as { status: string }).status, 'Success', JSON.stringify(done.json));
  const arts = (await cortexGet(`/api/job/${jobId}/artifacts`)).json as Array<{ dataType: string; attachment?: { id: string } }>;
  const hash = arts.find((x) => x.dataType === 'file')?.attachment?.id;
  assert.ok(hash, JSON.stringify(arts));
  for (const name of [undefined, ...HOSTILE_NAMES]) {
    const url = `/api/datastore/${hash}${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`;
    const r = await cortexGet(url);
    assertDownload(r, url);
    assert.equal(r.bytes.toString('utf8'), 'artifact file content');
  }
  assert.equal((await cortexGet(`/api/datastore/${hash}`, b.analyst)).status, 404, 'another organisation gets 404');
});

test('every file-sending route of the API is covered by these tests', async () => {
  const r = await t.as(a.analyst).get('/api/openapi.json');
  assert.equal(r.status, 200);
  // exports of definitions (case templates, dashboards) are JSON the server serialises
  // (application/json), not stored user files
  const JSON_EXPORTS = new Set(['/api/v1/caseTemplate/{id}/export', '/api/v1/dashboard/{id}/export']);
  const sending = Object.keys(r.body.paths as Record<string, unknown>)
    .filter((p) => /\/download$|\/export$|datastore/.test(p) && !JSON_EXPORTS.has(p))
    .sort();
  assert.deepEqual(sending, [
    '/api/v1/alert/{id}/attachment/{attachmentId}/download',
    '/api/v1/attachment/{id}/download',
    '/api/v1/case/{caseId}/attachment/{attachmentId}/download',
    '/api/v1/case/{id}/export',
    '/api/v1/observable/{id}/attachment/{attachmentId}/download',
  ]);
});
