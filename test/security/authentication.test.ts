/**
 * Authentication bug classes:
 * - empty password / anonymous bind (CVE-2023-39069, SB-SEC-ADV-2022-001): no password never logs in;
 * - user enumeration (SB-SEC-ADV-2023-005, SB-SEC-ADV-2024-001): unknown login, wrong password,
 *   password-less and locked users answer alike (timing is covered by design: unknown logins
 *   still run the password hash; tests do not measure wall-clock time);
 * - login rate limits: many failures give 429 RateLimitExceeded, never a 5xx;
 * - the session cookie is HttpOnly and SameSite, and no answer ever asks the browser for basic
 *   credentials (`WWW-Authenticate: Basic`), which would make browsers replay them (CSRF).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { testWaggle, type TestWaggle, type TestOrg } from '../../packages/server/src/test/support.js';
import { basic } from './helpers.js';

let t: TestWaggle;
let a: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  assert.equal((await t.admin.post('/api/v1/user', { login: 'nopass@org-a', name: 'no password', profile: 'analyst', organisation: 'org-a' })).status, 201);
  assert.equal(
    (await t.admin.post('/api/v1/user', { login: 'locked@org-a', name: 'locked', profile: 'analyst', organisation: 'org-a', password: 'secret' })).status,
    201,
  );
  assert.equal((await t.admin.patch('/api/v1/user/locked@org-a', { locked: true })).status, 204);
});
after(async () => t?.close());

type Inject = (opts: {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: string;
  remoteAddress?: string;
}) => Promise<LightMyRequestResponse>;
const inject: Inject = (opts) => t.running.app.inject(opts);

const viaBasic = (login: string, password: string, remoteAddress = '10.0.0.1') =>
  inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: basic(login, password) }, remoteAddress });
const viaLogin = (user: string, password: string, remoteAddress = '10.0.0.2') =>
  inject({ method: 'POST', url: '/api/v1/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ user, password }), remoteAddress });

describe('empty and missing passwords', () => {
  test('a user without a password cannot log in with an empty or any password', async () => {
    for (const pw of ['', ' ', 'secret', '\0']) {
      assert.equal((await viaBasic('nopass@org-a', pw)).statusCode, 401, `basic "${pw}"`);
      assert.equal((await viaLogin('nopass@org-a', pw)).statusCode, 401, `login "${pw}"`);
    }
  });

  test('a user with a password cannot log in with an empty one', async () => {
    assert.equal((await viaBasic(a.analyst.login, '')).statusCode, 401);
    assert.equal((await viaLogin(a.analyst.login, '')).statusCode, 401);
    assert.equal((await viaBasic('admin@thehive.local', '')).statusCode, 401);
  });

  test('malformed basic credentials are a 401', async () => {
    for (const authorization of [
      'Basic',
      'Basic ',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      'Basic !!!notbase64',
      `Basic ${Buffer.from(':').toString('base64')}`,
      `Basic ${Buffer.from(':secret').toString('base64')}`,
      'Bearer',
      'Bearer ',
      'Negotiate abc',
      'Digest x',
    ]) {
      const r = await inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization }, remoteAddress: '10.0.0.3' });
      assert.equal(r.statusCode, 401, authorization);
      assert.equal(JSON.parse(r.body).type, 'AuthenticationError');
    }
  });

  test('positive control: the right password works', async () => {
    assert.equal((await viaBasic(a.analyst.login, 'secret')).statusCode, 200);
    assert.equal((await viaLogin(a.analyst.login, 'secret')).statusCode, 200);
  });
});

describe('user enumeration', () => {
  test('unknown login, wrong password, password-less and locked users get the same status and body', async () => {
    const cases = [
      ['unknown login', 'nobody@org-a', 'secret'],
      ['wrong password', a.analyst.login, 'wrong-password'],
      ['user without password', 'nopass@org-a', 'secret'],
      ['locked user, right password', 'locked@org-a', 'secret'],
      ['empty login', '', 'secret'],
    ] as const;
    const basicAnswers = new Set<string>();
    const loginAnswers = new Set<string>();
    for (const [, login, pw] of cases) {
      const r1 = await viaBasic(login, pw, '10.0.1.1');
      basicAnswers.add(`${r1.statusCode} ${r1.body}`);
      const r2 = await viaLogin(login, pw, '10.0.1.2');
      loginAnswers.add(`${r2.statusCode} ${r2.body}`);
    }
    assert.equal(basicAnswers.size, 1, [...basicAnswers].join('\n'));
    assert.equal(loginAnswers.size, 1, [...loginAnswers].join('\n'));
    assert.match([...basicAnswers][0]!, /^401 /);
  });
});

describe('login throttling', () => {
  test('repeated failures for one login from one address end in 429 there (never 5xx), even with the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await viaBasic(a.readonly.login, `wrong-${i}`, '10.0.2.1')).statusCode);
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      statuses.join(','),
    );
    assert.equal(statuses.at(-1), 429);
    const blocked = await viaBasic(a.readonly.login, 'secret', '10.0.2.1');
    assert.equal(blocked.statusCode, 429);
    assert.deepEqual(Object.keys(JSON.parse(blocked.body)).sort(), ['message', 'type']);
    assert.equal(JSON.parse(blocked.body).type, 'RateLimitExceeded');
    assert.equal((await viaLogin(a.readonly.login, 'secret', '10.0.2.1')).statusCode, 429);
    // the owner of the account is not locked out from elsewhere by one attacking address
    assert.equal((await viaBasic(a.readonly.login, 'secret', '10.0.2.2')).statusCode, 200);
  });

  test('failures for one login spread over many addresses lock that login everywhere', async () => {
    const victim = 'victim@org-a';
    const created = await t.admin.post('/api/v1/user', { login: victim, name: 'Victim', profile: 'analyst', organisation: a.name, password: 'secret' });
    assert.equal(created.status, 201, created.text);
    assert.equal((await viaBasic(victim, 'secret', '10.0.7.1')).statusCode, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++) statuses.push((await viaBasic(victim, `wrong-${i}`, `10.0.6.${i}`)).statusCode);
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      statuses.join(','),
    );
    assert.equal(statuses.at(-1), 429);
    assert.equal((await viaBasic(victim, 'secret', '10.0.7.2')).statusCode, 429);
  });

  test('one client address spraying many logins is throttled, except for logins that succeeded from it', async () => {
    assert.equal((await viaBasic(a.admin.login, 'secret', '10.0.3.1')).statusCode, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 105; i++) statuses.push((await viaLogin(`spray-${i}@org-a`, 'x', '10.0.3.1')).statusCode);
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      statuses.join(','),
    );
    assert.equal(statuses.at(-1), 429);
    // a user who logged in from this address before the attack is not locked out
    assert.equal((await viaLogin(a.admin.login, 'secret', '10.0.3.1')).statusCode, 200);
    // another address is not affected
    assert.equal((await viaBasic(a.admin.login, 'secret', '10.0.3.2')).statusCode, 200);
  });

  test('API keys are not affected by password throttling', async () => {
    const key = await t.admin.post(`/api/v1/user/${a.readonly.login}/key/renew`);
    assert.equal(key.status, 200);
    const r = await inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: `Bearer ${key.text}` }, remoteAddress: '10.0.2.1' });
    assert.equal(r.statusCode, 200);
    const wrong = await inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: 'Bearer not-a-key' }, remoteAddress: '10.0.2.1' });
    assert.equal(wrong.statusCode, 401);
  });
});

describe('cookies and challenges', () => {
  test('the session cookie is HttpOnly and SameSite; the CSRF cookie is SameSite', async () => {
    const r = await viaLogin(a.analyst.login, 'secret', '10.0.4.1');
    assert.equal(r.statusCode, 200);
    const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('WAGGLE-SESSION='));
    const csrf = cookies.find((c) => c.startsWith('WAGGLE-XSRF-TOKEN='));
    assert.ok(session && csrf, cookies.join(' | '));
    assert.match(session, /;\s*HttpOnly/i);
    assert.match(session, /;\s*SameSite=(Strict|Lax)/i);
    assert.match(session, /;\s*Path=\//i);
    assert.match(csrf, /;\s*SameSite=(Strict|Lax)/i);
  });

  test('no answer ever carries WWW-Authenticate (browsers would then replay basic credentials)', async () => {
    const answers = [
      await inject({ method: 'GET', url: '/api/v1/user/current' }),
      await inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: basic('nobody', 'x') }, remoteAddress: '10.0.5.1' }),
      await inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: 'Bearer nope' } }),
      await inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: 'Negotiate x' } }),
      await inject({ method: 'POST', url: '/api/v1/query', headers: { 'content-type': 'application/json' }, payload: '{"query":[{"_name":"listCase"}]}' }),
      await inject({ method: 'GET', url: '/api/v1/stream/events' }),
      await inject({
        method: 'POST',
        url: '/api/v1/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"user":"nobody","password":"x"}',
        remoteAddress: '10.0.5.2',
      }),
      await inject({ method: 'GET', url: '/api/v1/no-such-route' }),
      await inject({ method: 'GET', url: '/api/status' }),
    ];
    for (const r of answers) {
      assert.equal(r.headers['www-authenticate'], undefined, `${r.statusCode} ${r.body}`);
      if (r.statusCode === 401) assert.equal(JSON.parse(r.body).type, 'AuthenticationError');
    }
    assert.ok(answers.filter((r) => r.statusCode === 401).length >= 6);
  });
});
