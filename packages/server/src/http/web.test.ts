import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { testWaggle, type TestWaggle } from '../test/support.js';
import { buildApp } from './app.js';

let t: TestWaggle;
const BIG = `export const rows = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, label: `row ${i}` })))};`;
let dist: string;
let app: FastifyInstance;
let unbuilt: FastifyInstance;

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-Ab12.js"></script></head><body><div id="root"></div></body></html>';

before(async () => {
  t = await testWaggle();
  dist = mkdtempSync(join(tmpdir(), 'waggle-web-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'index-Ab12.js'), 'console.log(1);');
  writeFileSync(join(dist, 'assets', 'big-Cd34.js'), BIG);
  writeFileSync(join(dist, 'secret.txt'), 'not an asset');
  app = await buildApp(t.running.services, { logger: false, webRoot: dist });
  unbuilt = await buildApp(t.running.services, { logger: false, webRoot: join(dist, 'missing') });
});

after(async () => {
  await app.close();
  await unbuilt.close();
  await t.close();
  rmSync(dist, { recursive: true, force: true });
});

test('GET / serves index.html with a strict Content-Security-Policy and nosniff', async () => {
  const r = await app.inject({ method: 'GET', url: '/' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.body, INDEX);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  const csp = String(r.headers['content-security-policy']);
  for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['cache-control'], 'no-cache');
});

test('client-side routes fall back to index.html (SPA), with their query string', async () => {
  for (const url of ['/cases', '/cases/~123?tab=tasks', '/admin/users', '/alerts/~9/preview']) {
    const r = await app.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 200, url);
    assert.equal(r.body, INDEX, url);
    assert.ok(r.headers['content-security-policy'], url);
  }
});

test('hashed assets are served with long cache headers; unknown or traversing names are 404', async () => {
  const r = await app.inject({ method: 'GET', url: '/assets/index-Ab12.js' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.body, 'console.log(1);');
  assert.match(String(r.headers['content-type']), /^text\/javascript/);
  assert.match(String(r.headers['cache-control']), /max-age=31536000/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  for (const url of ['/assets/nope.js', '/assets/..%2Fsecret.txt', '/assets/../secret.txt', '/assets/%2e%2e/secret.txt']) {
    const res = await app.inject({ method: 'GET', url });
    assert.notEqual(res.body, 'not an asset', url);
    if (res.statusCode === 200) {
      assert.equal(res.body, INDEX, url);
    } // normalised away from /assets/: the SPA page, never the file
    else assert.equal(res.statusCode, 404, url);
  }
});

test('/api paths are not swallowed by the UI fallback', async () => {
  const unknown = await app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().type, 'NotFoundError');
  const bare = await app.inject({ method: 'GET', url: '/api' });
  assert.equal(bare.statusCode, 404);
  assert.equal(bare.json().type, 'NotFoundError');
  const auth = await app.inject({ method: 'GET', url: '/api/v1/user/current' });
  assert.equal(auth.statusCode, 401);
  assert.equal(auth.json().type, 'AuthenticationError');
  const status = await app.inject({ method: 'GET', url: '/api/status' });
  assert.equal(status.statusCode, 200);
  assert.equal(status.json().ready, true);
  const post = await app.inject({ method: 'POST', url: '/cases', payload: {} });
  assert.equal(post.statusCode, 404);
  assert.equal(post.json().type, 'NotFoundError');
});

test('the UI does not appear in the API description', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  assert.ok(Object.keys(doc.paths).length > 10);
  assert.ok(
    Object.keys(doc.paths).every((p) => p.startsWith('/api')),
    'only /api paths',
  );
});

test('without a built UI the server still answers: / is a short 503 text, the API works', async () => {
  const r = await unbuilt.inject({ method: 'GET', url: '/' });
  assert.equal(r.statusCode, 503);
  assert.match(r.body, /web UI is not built/);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  const status = await unbuilt.inject({ method: 'GET', url: '/api/status' });
  assert.equal(status.statusCode, 200);
});

test('text assets are compressed for clients that accept it (brotli first, then gzip), never for those that refuse', async () => {
  const url = '/assets/big-Cd34.js';
  const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(br.statusCode, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers.vary, 'Accept-Encoding');
  assert.ok(br.rawPayload.length < BIG.length / 3, `brotli ${br.rawPayload.length} of ${BIG.length} bytes`);
  assert.equal(brotliDecompressSync(br.rawPayload).toString(), BIG);

  const gz = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.rawPayload).toString(), BIG);

  for (const accept of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
    const plain = await app.inject({ method: 'GET', url, headers: accept ? { 'accept-encoding': accept } : {} });
    assert.equal(plain.headers['content-encoding'], undefined, String(accept));
    assert.equal(plain.body, BIG);
  }
  // tiny assets are not worth compressing
  const small = await app.inject({ method: 'GET', url: '/assets/index-Ab12.js', headers: { 'accept-encoding': 'br' } });
  assert.equal(small.headers['content-encoding'], undefined);
});
