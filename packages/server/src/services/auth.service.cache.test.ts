/**
 * The per-credential caches of `AuthService` (resolved API key, resolved actor) never outlive a
 * change on this node: each test first uses a credential (so that it is cached), then changes
 * the user, key, profile or organisation, and the very next request must see the change.
 * (Other nodes of a cluster are bounded by AUTH_CACHE_TTL_MS and the event relay: not tested here.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestOrg, type TestWaggle } from '../test/support.js';
import { AuthService } from './auth.service.js';
import type { EntityStore } from '../storage/entity-store.js';

let t: TestWaggle;
let a: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('cache-org');
});
after(async () => t?.close());

/** A request with an API key, as thehive4py sends it. */
async function withKey(key: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<number> {
  const r = await t.running.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload: payload } : {}) });
  return r.statusCode;
}

async function newUser(login: string, profile: string): Promise<string> {
  const u = await t.admin.post('/api/v1/user', { login, name: login, profile, organisation: 'cache-org', password: 'secret' });
  assert.equal(u.status, 201, u.text);
  const key = await t.admin.post(`/api/v1/user/${login}/key/renew`);
  assert.equal(key.status, 200, key.text);
  return key.text;
}

describe('auth caches are invalidated by the next change', () => {
  test('a key in use is refused on the next request once its user is locked, and accepted once unlocked', async () => {
    const key = await newUser('lockme@cache-org', 'analyst');
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 200);
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 200, 'served from the cache');
    assert.equal((await t.admin.patch('/api/v1/user/lockme@cache-org', { locked: true })).status, 204);
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 401);
    assert.equal((await t.admin.patch('/api/v1/user/lockme@cache-org', { locked: false })).status, 204);
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 200);
  });

  test('a revoked key is refused on the next request; a renewed key replaces the old one at once', async () => {
    const key = await newUser('revoke@cache-org', 'analyst');
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 200);
    const renewed = await t.admin.post('/api/v1/user/revoke@cache-org/key/renew');
    assert.equal(renewed.status, 200, renewed.text);
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 401, 'the old key right after the renewal');
    assert.equal(await withKey(renewed.text, 'GET', '/api/v1/user/current'), 200);
    assert.equal((await t.admin.delete('/api/v1/user/revoke@cache-org/key')).status, 204);
    assert.equal(await withKey(renewed.text, 'GET', '/api/v1/user/current'), 401, 'the key right after its removal');
  });

  test('a right removed from a profile is refused on the next request', async () => {
    const p = await t.admin.post('/api/v1/profile', { name: 'cache-creator', permissions: ['manageCase/create'] });
    assert.equal(p.status, 201, p.text);
    const key = await newUser('creator@cache-org', 'cache-creator');
    assert.equal(await withKey(key, 'POST', '/api/v1/case', { title: 'allowed', description: 'x' }), 201);
    assert.equal((await t.admin.patch('/api/v1/profile/cache-creator', { permissions: [] })).status, 204);
    assert.equal(await withKey(key, 'POST', '/api/v1/case', { title: 'refused', description: 'x' }), 403);
  });

  test("a user's profile changed in the organisation (basic auth) takes effect on the next request", async () => {
    assert.equal((await t.as(a.analyst).post('/api/v1/case', { title: 'allowed', description: 'x' })).status, 201);
    assert.equal((await t.admin.patch(`/api/v1/user/${a.analyst.login}`, { profile: 'read-only', organisation: 'cache-org' })).status, 204);
    try {
      assert.equal((await t.as(a.analyst).post('/api/v1/case', { title: 'refused', description: 'x' })).status, 403);
    } finally {
      assert.equal((await t.admin.patch(`/api/v1/user/${a.analyst.login}`, { profile: 'analyst', organisation: 'cache-org' })).status, 204);
    }
    assert.equal((await t.as(a.analyst).post('/api/v1/case', { title: 'allowed again', description: 'x' })).status, 201);
  });

  test('a locked organisation is refused on the next request', async () => {
    const key = await newUser('orglock@cache-org', 'analyst');
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 200);
    assert.equal((await t.admin.patch('/api/v1/organisation/cache-org', { locked: true })).status, 204);
    try {
      assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 403);
    } finally {
      assert.equal((await t.admin.patch('/api/v1/organisation/cache-org', { locked: false })).status, 204);
    }
    assert.equal(await withKey(key, 'GET', '/api/v1/user/current'), 200);
  });
});

describe('auth caches (unit)', () => {
  test('a repeated API key is resolved from the store once, and again after invalidate()', async () => {
    let lookups = 0;
    const user = { _id: 'u1', _type: 'user', _version: 1, login: 'u@x' };
    const store = {
      uniqueOwner: async () => {
        lookups++;
        return 'u1';
      },
      get: async () => user,
    } as unknown as EntityStore;
    const auth = new AuthService(store, undefined as never, undefined as never, undefined as never, 'secret');
    await auth.verify({ kind: 'key', key: 'k' }, '127.0.0.1');
    await auth.verify({ kind: 'key', key: 'k' }, '127.0.0.1');
    assert.equal(lookups, 1);
    auth.invalidate();
    await auth.verify({ kind: 'key', key: 'k' }, '127.0.0.1');
    assert.equal(lookups, 2);
  });

  test('a key removed through another node, before this node hears of it, is refused on the next request', async () => {
    let user: Record<string, unknown> = { _id: 'u1', _type: 'user', _version: 1, login: 'u@x', keyHash: 'h' };
    let owner: string | undefined = 'u1';
    const store = { uniqueOwner: async () => owner, get: async () => user } as unknown as EntityStore;
    const auth = new AuthService(store, undefined as never, undefined as never, undefined as never, 'secret');
    assert.equal((await auth.verify({ kind: 'key', key: 'k' }, '127.0.0.1'))._id, 'u1');
    // what another node's removal leaves in the shared store; no invalidate() on this node
    user = { _id: 'u1', _type: 'user', _version: 2, login: 'u@x' };
    owner = undefined;
    await assert.rejects(auth.verify({ kind: 'key', key: 'k' }, '127.0.0.1'), /Authentication failure/);
  });

  test('a lookup that started before an invalidation does not fill the cache', async () => {
    let lookups = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const store = {
      uniqueOwner: async () => {
        lookups++;
        if (lookups === 1) await held;
        return 'u1';
      },
      get: async () => ({ _id: 'u1', _type: 'user', _version: 1, login: 'u@x' }),
    } as unknown as EntityStore;
    const auth = new AuthService(store, undefined as never, undefined as never, undefined as never, 'secret');
    const first = auth.verify({ kind: 'key', key: 'k' }, '127.0.0.1');
    auth.invalidate();
    release();
    await first;
    await auth.verify({ kind: 'key', key: 'k' }, '127.0.0.1');
    assert.equal(lookups, 2, 'the stale lookup was not cached');
  });
});
