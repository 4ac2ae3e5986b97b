/**
 * Secrets never leave the server: password hashes, API key hashes and sealed keys are absent
 * from every user rendering, Query API result and stream event; passwords, Authorization
 * values, session and CSRF tokens and API keys never reach the logs (pino redaction, STYLE 19).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testWaggle, type TestWaggle, type TestOrg, type Res } from '../../packages/server/src/test/support.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { basic } from './helpers.js';

describe('responses', () => {
  let t: TestWaggle;
  let a: TestOrg;
  let key: string;
  const texts: Array<[string, Res]> = [];

  before(async () => {
    t = await testWaggle();
    a = await t.org('org-a');
    const streamId = (await t.as(a.admin).post('/api/stream')).text;
    const k = await t.admin.post(`/api/v1/user/${a.analyst.login}/key/renew`);
    assert.equal(k.status, 200);
    key = k.text;
    assert.equal((await t.admin.post(`/api/v1/user/${a.readonly.login}/password/set`, { password: 'N3w-Passw0rd!' })).status, 204);
    assert.equal((await t.as(a.admin).post(`/api/v1/user/${a.admin.login}/password/change`, { currentPassword: 'secret', password: 'secret' })).status, 204);
    const add = (what: string, r: Res) => texts.push([what, r]);
    add('create user', await t.as(a.admin).post('/api/v1/user', { login: 'fresh@org-a', name: 'fresh', profile: 'analyst', password: 'Fresh-Passw0rd' }));
    await t.as(a.admin).post('/api/v1/user/fresh@org-a/key/renew');
    add('current', await t.as(a.analyst).get('/api/v1/user/current'));
    add('get by admin', await t.admin.get(`/api/v1/user/${a.analyst.login}`));
    add('get by org-admin', await t.as(a.admin).get(`/api/v1/user/${a.analyst.login}`));
    add('get self', await t.as(a.analyst).get(`/api/v1/user/${a.analyst.login}`));
    add('organisations', await t.admin.get(`/api/v1/user/${a.analyst.login}/organisations`));
    add(
      'set organisations',
      await t.admin.put(`/api/v1/user/fresh@org-a/organisations`, { organisations: [{ organisation: 'org-a', profile: 'analyst', default: true }] }),
    );
    add('login', await t.as(a.analyst).post('/api/v1/login', { user: a.analyst.login, password: 'secret' }));
    for (const chain of [
      [{ _name: 'listUser' }],
      [{ _name: 'listUser' }, { _name: 'page', from: 0, to: 100, extraData: ['total', 'organisations', 'keys', 'password', 'passwordHash'] }],
      [{ _name: 'getUser', idOrName: a.analyst.login }],
      [{ _name: 'listOrganisation' }, { _name: 'users' }],
    ]) {
      add(`query ${JSON.stringify(chain)} as admin`, await t.admin.query(chain));
      add(`query ${JSON.stringify(chain)} as org-admin`, await t.as(a.admin).query(chain));
    }
    add('query with excludeFields', await t.as(a.admin).post('/api/v1/query', { query: [{ _name: 'listUser' }], excludeFields: [] }));
    add('stream events', await t.as(a.admin).get(`/api/stream/${streamId}`));
  });
  after(async () => t?.close());

  test('no rendering, query result or stream event carries a hash, a sealed key or a password', async () => {
    const users = await Promise.all([a.analyst.login, a.readonly.login, a.admin.login, 'fresh@org-a'].map((l) => t.running.services.users.findByLogin(l)));
    const secrets = users.flatMap((u) => [u?.passwordHash, u?.keyHash, u?.keyEnc]).filter((s): s is string => typeof s === 'string');
    assert.ok(secrets.length >= 6, 'the users have hashes and keys to leak');
    assert.ok(texts.length >= 15);
    for (const [what, r] of texts) {
      assert.ok(r.status < 500, `${what}: ${r.status}`);
      for (const word of ['passwordHash', 'keyHash', 'keyEnc', 'scrypt$', 'N3w-Passw0rd', 'Fresh-Passw0rd', key]) {
        assert.equal(r.text.includes(word), false, `${what} contains ${word}: ${r.text.slice(0, 300)}`);
      }
      for (const s of secrets) assert.equal(r.text.includes(s), false, `${what} contains a stored secret`);
    }
    const stream = texts.find(([w]) => w === 'stream events')![1];
    assert.ok(Array.isArray(stream.body) && stream.body.length > 0, 'the stream did carry the user events');
  });

  test('the API key is only shown by the key endpoints', async () => {
    const shown = await t.admin.get(`/api/v1/user/${a.analyst.login}/key`);
    assert.equal(shown.text, key);
    const user = await t.admin.get(`/api/v1/user/${a.analyst.login}`);
    assert.equal(user.body.hasKey, true);
    assert.equal(user.text.includes(key), false);
  });
});

describe('logs', () => {
  let server: ServerProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'waggle-logs-'));
  const ADMIN_PASSWORD = 'Adm1n-Log-Secret';
  after(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('passwords, Authorization values, session and CSRF tokens and API keys never reach the log, even at trace level', { timeout: 120_000 }, async () => {
    server = await startServer({
      WAGGLE_MODE: 'test',
      WAGGLE_DATA_DIR: dataDir,
      WAGGLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      WAGGLE_LOG_LEVEL: 'trace',
      WAGGLE_SQLITE_SYNCHRONOUS: 'NORMAL',
    });
    const base = server.base;
    const adminAuth = basic('admin@thehive.local', ADMIN_PASSWORD);
    const call = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body } : {}),
      });
      return { status: r.status, text: await r.text(), headers: r.headers };
    };
    const secrets: string[] = [ADMIN_PASSWORD, adminAuth.slice('Basic '.length)];
    assert.equal((await call('GET', '/api/v1/user/current', { authorization: adminAuth })).status, 200);
    const wrong = 'Wr0ng-Passw0rd-Marker';
    secrets.push(wrong, basic('admin@thehive.local', wrong).slice(6));
    assert.equal((await call('GET', '/api/v1/user/current', { authorization: basic('admin@thehive.local', wrong) })).status, 401);
    assert.equal((await call('POST', '/api/v1/organisation', { authorization: adminAuth }, JSON.stringify({ name: 'logs', description: 'x' }))).status, 201);
    const initial = 'Initial-Passw0rd-Marker';
    secrets.push(initial);
    assert.equal(
      (
        await call(
          'POST',
          '/api/v1/user',
          { authorization: adminAuth },
          JSON.stringify({ login: 'logtest@logs', name: 'l', profile: 'analyst', organisation: 'logs', password: initial }),
        )
      ).status,
      201,
    );
    const set = 'Set-Passw0rd-Marker';
    secrets.push(set);
    assert.equal((await call('POST', '/api/v1/user/logtest@logs/password/set', { authorization: adminAuth }, JSON.stringify({ password: set }))).status, 204);
    const changed = 'Changed-Passw0rd-Marker';
    secrets.push(changed, basic('logtest@logs', set).slice(6));
    assert.equal(
      (
        await call(
          'POST',
          '/api/v1/user/logtest@logs/password/change',
          { authorization: basic('logtest@logs', set) },
          JSON.stringify({ currentPassword: set, password: changed }),
        )
      ).status,
      204,
    );
    const badCurrent = 'Bad-Current-Marker';
    secrets.push(badCurrent, basic('logtest@logs', changed).slice(6));
    assert.ok(
      (
        await call(
          'POST',
          '/api/v1/user/logtest@logs/password/change',
          { authorization: basic('logtest@logs', changed) },
          JSON.stringify({ currentPassword: badCurrent, password: 'Never-Set-Marker' }),
        )
      ).status >= 400,
    );
    secrets.push('Never-Set-Marker');
    const login = await call('POST', '/api/v1/login', {}, JSON.stringify({ user: 'logtest@logs', password: changed }));
    assert.equal(login.status, 200);
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const session = cookies.find((c) => c.startsWith('WAGGLE-SESSION='))!;
    const csrf = cookies.find((c) => c.startsWith('WAGGLE-XSRF-TOKEN='))!;
    secrets.push(session.split('=')[1]!, csrf.split('=')[1]!);
    assert.equal(
      (
        await call(
          'POST',
          '/api/v1/case',
          { cookie: `${session}; ${csrf}`, 'x-waggle-xsrf-token': csrf.split('=')[1]! },
          JSON.stringify({ title: 'logged', description: 'x' }),
        )
      ).status,
      201,
    );
    assert.equal((await call('POST', '/api/v1/case', { cookie: session }, JSON.stringify({ title: 'no token', description: 'x' }))).status, 403);
    const key = await call('POST', '/api/v1/user/logtest@logs/key/renew', { authorization: adminAuth });
    assert.equal(key.status, 200);
    secrets.push(key.text);
    assert.equal((await call('GET', '/api/v1/user/current', { authorization: `Bearer ${key.text}` })).status, 200);
    const jsonSecret = 'Json-Passw0rd-Marker';
    secrets.push(jsonSecret);
    assert.equal((await call('POST', '/api/v1/login', {}, `{"user":"logtest@logs","password":"${jsonSecret}"`)).status, 400);
    // V8 quotes part of the text in JSON syntax errors: a password typed unquoted would be logged with them
    assert.equal((await call('POST', '/api/v1/login', {}, `{"user":"logtest@logs","password":${jsonSecret}}`)).status, 400);
    assert.equal((await call('POST', '/api/v1/login', {}, jsonSecret)).status, 400);
    assert.ok(
      (await call('POST', '/api/v1/login', {}, JSON.stringify({ user: 'logtest@logs', password: jsonSecret, extra: { password: jsonSecret } }))).status >= 400,
    );
    assert.equal(
      (
        await call('GET', '/api/v1/user/current', {
          authorization: `Basic ${Buffer.from(`x:${jsonSecret}`).toString('base64')}`,
          cookie: `WAGGLE-SESSION=${session.split('=')[1]!}`,
        })
      ).status,
      401,
    );
    await server.stop('SIGTERM');
    const log = server.output();
    assert.ok(log.split('\n').filter((l) => l.includes('"request"')).length >= 10, `the server logged its requests:\n${log.slice(0, 2000)}`);
    for (const s of secrets) {
      assert.equal(log.includes(s), false, `the log holds a secret (${s.slice(0, 6)}...):\n${log.split('\n').find((l) => l.includes(s))}`);
    }
  });
});
