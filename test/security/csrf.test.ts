/**
 * CSRF (CVE-2025-48740, SB-SEC-ADV-2025-001: CSRF when basic auth is enabled). Credentials a
 * browser sends by itself (session cookie, cached basic auth) must not let another site change
 * anything: cookie-authenticated unsafe requests need the X-Waggle-XSRF-Token header matching
 * the session, and cookie- or basic-authenticated unsafe requests from another site are refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { testWaggle, type TestWaggle, type TestOrg } from '../../packages/server/src/test/support.js';
import { basic } from './helpers.js';

let t: TestWaggle;
let a: TestOrg;
let cookie: string;
let csrf: string;
let otherCsrf: string;

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const send = (method: Method, url: string, headers: Record<string, string>, body?: unknown): Promise<LightMyRequestResponse> =>
  t.running.app.inject({
    method,
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });

async function login(user: string): Promise<{ cookie: string; csrf: string }> {
  const r = await send('POST', '/api/v1/login', {}, { user, password: 'secret' });
  assert.equal(r.statusCode, 200, r.body);
  const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);
  const session = cookies.find((c) => c.startsWith('WAGGLE-SESSION='))!;
  const token = decodeURIComponent(cookies.find((c) => c.startsWith('WAGGLE-XSRF-TOKEN='))!.split('=')[1]!);
  return { cookie: session, csrf: token };
}

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  ({ cookie, csrf } = await login(a.admin.login));
  otherCsrf = (await login(a.analyst.login)).csrf;
});
after(async () => t?.close());

const caseBody = { title: 'csrf', description: 'x' };
const countCases = async (): Promise<number> => (await t.as(a.admin).query([{ _name: 'listCase' }, { _name: 'count' }])).body as number;

test('session cookie, unsafe method, no or wrong CSRF header: 403 and nothing changes', async () => {
  const before = await countCases();
  const attempts: Array<[string, Method, string, Record<string, string>, unknown]> = [
    ['POST without header', 'POST', '/api/v1/case', { cookie }, caseBody],
    ['POST with empty header', 'POST', '/api/v1/case', { cookie, 'x-waggle-xsrf-token': '' }, caseBody],
    ['POST with a wrong token', 'POST', '/api/v1/case', { cookie, 'x-waggle-xsrf-token': 'forged' }, caseBody],
    ["POST with another session's token", 'POST', '/api/v1/case', { cookie, 'x-waggle-xsrf-token': otherCsrf }, caseBody],
    ['POST with the token only in a cookie', 'POST', '/api/v1/case', { cookie: `${cookie}; WAGGLE-XSRF-TOKEN=${csrf}` }, caseBody],
    ['PATCH a user', 'PATCH', `/api/v1/user/${a.analyst.login}`, { cookie }, { profile: 'org-admin' }],
    ['set a password', 'POST', `/api/v1/user/${a.analyst.login}/password/set`, { cookie }, { password: 'csrf-password' }],
    ['renew a key', 'POST', `/api/v1/user/${a.analyst.login}/key/renew`, { cookie }, undefined],
    ['DELETE a user', 'DELETE', `/api/v1/user/${a.readonly.login}`, { cookie }, undefined],
    [
      'PUT organisations',
      'PUT',
      `/api/v1/user/${a.analyst.login}/organisations`,
      { cookie },
      { organisations: [{ organisation: 'org-a', profile: 'org-admin' }] },
    ],
    ['query (POST)', 'POST', '/api/v1/query', { cookie }, { query: [{ _name: 'listCase' }] }],
  ];
  for (const [what, method, url, headers, body] of attempts) {
    const r = await send(method, url, headers, body);
    assert.equal(r.statusCode, 403, `${what}: ${r.statusCode} ${r.body}`);
    assert.equal(JSON.parse(r.body).type, 'AuthorizationError', what);
  }
  assert.equal(await countCases(), before);
  assert.equal((await t.as(a.analyst).get('/api/v1/user/current')).body.profile, 'analyst');
  assert.equal((await t.as(a.readonly).get('/api/v1/user/current')).status, 200, 'password unchanged, user not deleted');
});

test('session cookie from another site is refused even with the right token', async () => {
  for (const extra of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }] as Array<Record<string, string>>) {
    const r = await send('POST', '/api/v1/case', { cookie, 'x-waggle-xsrf-token': csrf, ...extra }, caseBody);
    assert.equal(r.statusCode, 403, JSON.stringify(extra));
  }
});

test('positive control: session cookie with the right token creates; safe methods need no token', async () => {
  const r = await send('POST', '/api/v1/case', { cookie, 'x-waggle-xsrf-token': csrf }, caseBody);
  assert.equal(r.statusCode, 201, r.body);
  const g = await send('GET', '/api/v1/user/current', { cookie });
  assert.equal(g.statusCode, 200);
});

test('basic auth from another site (Origin or Sec-Fetch-Site) is refused', async () => {
  const before = await countCases();
  const auth = basic(a.admin.login, 'secret');
  for (const extra of [
    { origin: 'https://evil.example' },
    { origin: 'http://evil.example:80' },
    { origin: 'null' },
    { origin: 'not a url' },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'cross-site', origin: 'http://waggle.example', host: 'waggle.example' },
  ] as Array<Record<string, string>>) {
    const r = await send('POST', '/api/v1/case', { authorization: auth, ...extra }, caseBody);
    assert.equal(r.statusCode, 403, `${JSON.stringify(extra)}: ${r.body}`);
    const p = await send('POST', `/api/v1/user/${a.analyst.login}/password/set`, { authorization: auth, ...extra }, { password: 'csrf-password' });
    assert.equal(p.statusCode, 403, JSON.stringify(extra));
  }
  assert.equal(await countCases(), before);
  assert.equal((await t.as(a.analyst).get('/api/v1/user/current')).status, 200, 'password unchanged');
});

test('positive control: basic auth from the same site, or from a non-browser client, works', async () => {
  const auth = basic(a.admin.login, 'secret');
  const same = await send(
    'POST',
    '/api/v1/case',
    { authorization: auth, host: 'waggle.example', origin: 'https://waggle.example', 'sec-fetch-site': 'same-origin' },
    caseBody,
  );
  assert.equal(same.statusCode, 201, same.body);
  const cli = await send('POST', '/api/v1/case', { authorization: auth }, caseBody);
  assert.equal(cli.statusCode, 201, cli.body);
});
