/**
 * CVE-2017-18376 class (THP-SEC-ADV-2017-001, #408): a user raises their own rights through
 * the User API (mass assignment / missing authorisation). Every attempt below must be refused,
 * and nobody's rights may change. Positive controls show the same calls work for whoever
 * holds the right, so the refusals are not an artefact of broken endpoints.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg, type Creds } from '../../packages/server/src/test/support.js';
import { assertRefused, basic, rightsOf } from './helpers.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;
/** A user of the admin organisation whose profile holds only manageUser (a limited platform administrator). */
let userAdmin: Creds;
/** A user member of both org-a (analyst) and org-b (analyst). */
let dual: Creds;
let logins: string[];

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  const p = await t.admin.post('/api/v1/profile', { name: 'user-admin', permissions: ['manageUser'] });
  assert.equal(p.status, 201, p.text);
  const sneaky = await t.admin.post('/api/v1/profile', { name: 'sneaky', permissions: ['manageCase/create', 'manageOrganisation'] });
  assert.equal(sneaky.status, 201, sneaky.text);
  const ua = await t.admin.post('/api/v1/user', { login: 'ua@admin', name: 'ua', profile: 'user-admin', organisation: 'admin', password: 'secret' });
  assert.equal(ua.status, 201, ua.text);
  userAdmin = { login: 'ua@admin', password: 'secret', org: 'admin' };
  const d = await t.admin.post('/api/v1/user', { login: 'dual@org-a', name: 'dual', profile: 'analyst', organisation: 'org-a', password: 'secret' });
  assert.equal(d.status, 201, d.text);
  const d2 = await t.admin.post('/api/v1/user', { login: 'dual@org-a', name: 'dual', profile: 'analyst', organisation: 'org-b' });
  assert.equal(d2.status, 201, d2.text);
  dual = { login: 'dual@org-a', password: 'secret', org: 'org-a' };
  assert.equal((await t.admin.post('/api/v1/user/dual@org-a/key/renew')).status, 200);
  logins = [a.admin, a.analyst, a.readonly, b.admin, b.analyst, b.readonly, userAdmin, dual, { login: 'admin@thehive.local' }].map((c) => c.login);
});
after(async () => t?.close());

type Attempt = [string, () => Promise<{ status: number; body: unknown; text: string }>];

/** Runs `attempts` and asserts that each is refused and that no user's rights changed. */
async function refusedAndUnchanged(attempts: Attempt[]): Promise<void> {
  const before = await rightsOf(t, logins);
  for (const [what, attempt] of attempts) assertRefused(await attempt(), what);
  assert.deepEqual(await rightsOf(t, logins), before, 'rights changed');
}

test('users cannot PATCH their own profile, organisation, lock state or type', async () => {
  for (const who of [a.readonly, a.analyst, a.admin, userAdmin]) {
    const c = t.as(who);
    const me = (await c.get('/api/v1/user/current')).body as { _id: string };
    await refusedAndUnchanged([
      ...(who === a.admin ? [] : [[`${who.login} -> org-admin`, () => c.patch(`/api/v1/user/${who.login}`, { profile: 'org-admin' })] as Attempt]),
      [`${who.login} -> admin`, () => c.patch(`/api/v1/user/${who.login}`, { profile: 'admin' })],
      [`${who.login} -> admin by id`, () => c.patch(`/api/v1/user/${me._id}`, { profile: 'admin' })],
      [`${who.login} -> org-b`, () => c.patch(`/api/v1/user/${who.login}`, { organisation: 'org-b', profile: 'org-admin' })],
      [`${who.login} -> admin org`, () => c.patch(`/api/v1/user/${who.login}`, { organisation: 'admin', profile: 'admin' })],
      [`${who.login} unlock`, () => c.patch(`/api/v1/user/${who.login}`, { locked: false })],
      [`${who.login} lock`, () => c.patch(`/api/v1/user/${who.login}`, { locked: true })],
      [`${who.login} type`, () => c.patch(`/api/v1/user/${who.login}`, { type: 'Service' })],
    ]);
  }
});

test('mass assignment: unknown and internal fields in a user PATCH are never applied', async () => {
  const c = t.as(a.analyst);
  const payload = {
    name: 'renamed analyst',
    permissions: ['manageOrganisation', 'manageUser'],
    organisations: [{ orgId: 'anything', profile: 'admin' }],
    orgIds: ['x'],
    _orgs: ['*'],
    isAdmin: true,
    passwordHash: 'scrypt$1$1$1$AAAA$AAAA',
    keyHash: 'abc',
    _id: '~1',
    _createdBy: 'admin@thehive.local',
  };
  const before = await rightsOf(t, logins);
  const r = await c.patch(`/api/v1/user/${a.analyst.login}`, payload);
  assert.ok(r.status === 204 || (r.status >= 400 && r.status < 500), `${r.status} ${r.text}`);
  assert.deepEqual(await rightsOf(t, logins), before);
  const me = await c.get('/api/v1/user/current');
  assert.equal(me.status, 200, 'the password still works: passwordHash was not replaced');
  assert.equal(me.body.profile, 'analyst');
  assert.equal(me.body.permissions.includes('manageOrganisation'), false);
  assert.equal(me.body.permissions.includes('manageUser'), false);
});

test('an org-admin cannot grant the admin profile, nor manage users outside their organisation', async () => {
  const c = t.as(a.admin);
  await refusedAndUnchanged([
    ['grant admin to analyst', () => c.patch(`/api/v1/user/${a.analyst.login}`, { profile: 'admin' })],
    ['grant admin in admin org', () => c.patch(`/api/v1/user/${a.analyst.login}`, { organisation: 'admin', profile: 'admin' })],
    [
      'grant admin via organisations',
      () => c.put(`/api/v1/user/${a.analyst.login}/organisations`, { organisations: [{ organisation: 'org-a', profile: 'admin' }] }),
    ],
    [
      'add to admin org via organisations',
      () =>
        c.put(`/api/v1/user/${a.analyst.login}/organisations`, {
          organisations: [
            { organisation: 'org-a', profile: 'analyst' },
            { organisation: 'admin', profile: 'admin' },
          ],
        }),
    ],
    ['promote a user of org-b', () => c.patch(`/api/v1/user/${b.analyst.login}`, { profile: 'org-admin' })],
    ['lock a user of org-b', () => c.patch(`/api/v1/user/${b.admin.login}`, { locked: true })],
    [
      'add an org-a user to org-b',
      () =>
        c.put(`/api/v1/user/${a.analyst.login}/organisations`, {
          organisations: [
            { organisation: 'org-a', profile: 'analyst' },
            { organisation: 'org-b', profile: 'org-admin' },
          ],
        }),
    ],
    [
      'drop the org-b membership of a shared user',
      () => c.put(`/api/v1/user/${dual.login}/organisations`, { organisations: [{ organisation: 'org-a', profile: 'analyst' }] }),
    ],
    [
      'raise the org-b membership of a shared user',
      () =>
        c.put(`/api/v1/user/${dual.login}/organisations`, {
          organisations: [
            { organisation: 'org-a', profile: 'analyst' },
            { organisation: 'org-b', profile: 'org-admin' },
          ],
        }),
    ],
    ['set the password of a user of org-b', () => c.post(`/api/v1/user/${b.analyst.login}/password/set`, { password: 'pwned-password' })],
    ['set the password of a shared user', () => c.post(`/api/v1/user/${dual.login}/password/set`, { password: 'pwned-password' })],
    ['renew the key of a user of org-b', () => c.post(`/api/v1/user/${b.analyst.login}/key/renew`)],
    ['read the key of a shared user (it works in org-b too)', () => c.get(`/api/v1/user/${dual.login}/key`)],
    ['renew the key of a shared user', () => c.post(`/api/v1/user/${dual.login}/key/renew`)],
    ['lock a shared user', () => c.patch(`/api/v1/user/${dual.login}`, { locked: true })],
    ['read the key of a user of org-b', () => c.get(`/api/v1/user/${b.admin.login}/key`)],
    ['delete a user of org-b', () => c.delete(`/api/v1/user/${b.readonly.login}`)],
    ['delete the platform administrator', () => c.delete('/api/v1/user/admin@thehive.local')],
  ]);
  // nothing happened to org-b's users' credentials either
  assert.equal((await t.as(b.analyst).get('/api/v1/user/current')).status, 200);
  assert.equal((await t.as(dual).get('/api/v1/user/current')).status, 200);
});

test('an org-admin cannot grant a profile carrying platform permissions', async () => {
  await refusedAndUnchanged([
    ['grant sneaky', () => t.as(a.admin).patch(`/api/v1/user/${a.analyst.login}`, { profile: 'sneaky' })],
    ['create with sneaky', () => t.as(a.admin).post('/api/v1/user', { login: 'sneaky@org-a', name: 'x', profile: 'sneaky', password: 'secret' })],
    [
      'organisations with sneaky',
      () => t.as(a.admin).put(`/api/v1/user/${a.readonly.login}/organisations`, { organisations: [{ organisation: 'org-a', profile: 'sneaky' }] }),
    ],
  ]);
  assert.equal((await t.admin.get('/api/v1/user/sneaky@org-a')).status, 404);
});

test('a limited platform administrator cannot hand out, or take over, more rights than they hold', async () => {
  const c = t.as(userAdmin);
  await refusedAndUnchanged([
    [
      'create a full administrator',
      () => c.post('/api/v1/user', { login: 'evil@admin', name: 'x', profile: 'admin', organisation: 'admin', password: 'secret' }),
    ],
    ['grant admin to self', () => c.patch(`/api/v1/user/${userAdmin.login}`, { profile: 'admin' })],
    [
      'grant admin to self via organisations',
      () => c.put(`/api/v1/user/${userAdmin.login}/organisations`, { organisations: [{ organisation: 'admin', profile: 'admin' }] }),
    ],
    [
      'grant admin to an org user',
      () =>
        c.put(`/api/v1/user/${a.analyst.login}/organisations`, {
          organisations: [
            { organisation: 'org-a', profile: 'analyst' },
            { organisation: 'admin', profile: 'admin' },
          ],
        }),
    ],
    ['set the password of the administrator', () => c.post('/api/v1/user/admin@thehive.local/password/set', { password: 'pwned-password' })],
    ['renew the key of the administrator', () => c.post('/api/v1/user/admin@thehive.local/key/renew')],
    ['read the key of the administrator', () => c.get('/api/v1/user/admin@thehive.local/key')],
    ['lock the administrator', () => c.patch('/api/v1/user/admin@thehive.local', { locked: true })],
    ['delete the administrator', () => c.delete('/api/v1/user/admin@thehive.local')],
  ]);
  assert.equal((await t.admin.get('/api/v1/user/evil@admin')).status, 404);
  assert.equal((await t.admin.get('/api/v1/user/current')).status, 200, 'the administrator password still works');
  // positive control: organisation profiles may be handed out by platform user management
  const ok = await c.post('/api/v1/user', { login: 'reader@org-b', name: 'reader', profile: 'read-only', organisation: 'org-b' });
  assert.equal(ok.status, 201, ok.text);
});

test('creating a user with a higher profile, in another organisation or in the admin organisation is refused', async () => {
  await refusedAndUnchanged([
    ['analyst creates a user', () => t.as(a.analyst).post('/api/v1/user', { login: 'x1@org-a', name: 'x', profile: 'read-only', password: 'secret' })],
    ['read-only creates a user', () => t.as(a.readonly).post('/api/v1/user', { login: 'x2@org-a', name: 'x', profile: 'read-only' })],
    ['org-admin creates an admin', () => t.as(a.admin).post('/api/v1/user', { login: 'x3@org-a', name: 'x', profile: 'admin', password: 'secret' })],
    [
      'org-admin creates in org-b',
      () => t.as(a.admin).post('/api/v1/user', { login: 'x4@org-a', name: 'x', profile: 'org-admin', organisation: 'org-b', password: 'secret' }),
    ],
    [
      'org-admin creates in admin org',
      () => t.as(a.admin).post('/api/v1/user', { login: 'x5@org-a', name: 'x', profile: 'admin', organisation: 'admin', password: 'secret' }),
    ],
    ['org-admin adds an existing org-b user as admin', () => t.as(a.admin).post('/api/v1/user', { login: b.admin.login, name: 'x', profile: 'admin' })],
    [
      'org-admin adds the platform admin to admin',
      () => t.as(a.admin).post('/api/v1/user', { login: 'admin@thehive.local', name: 'x', profile: 'admin', organisation: 'admin' }),
    ],
  ]);
  for (const login of ['x1@org-a', 'x2@org-a', 'x3@org-a', 'x4@org-a', 'x5@org-a']) {
    assert.equal((await t.admin.get(`/api/v1/user/${login}`)).status, 404, login);
  }
  // "add or create" of an existing member never changes their profile
  const again = await t.as(a.admin).post('/api/v1/user', { login: a.readonly.login, name: 'x', profile: 'org-admin' });
  assert.ok(again.status === 201 || again.status === 200, again.text);
  assert.equal((await rightsOf(t, [a.readonly.login]))[0]!.organisations.find((o) => o.organisation === 'org-a')?.profile, 'read-only');
});

test('PUT /user/{self}/organisations is refused for everyone but platform administrators', async () => {
  for (const who of [a.readonly, a.analyst, a.admin, dual]) {
    await refusedAndUnchanged([
      [
        `${who.login} keeps org, raises profile`,
        () => t.as(who).put(`/api/v1/user/${who.login}/organisations`, { organisations: [{ organisation: 'org-a', profile: 'org-admin', default: true }] }),
      ],
      [
        `${who.login} joins org-b`,
        () =>
          t.as(who).put(`/api/v1/user/${who.login}/organisations`, {
            organisations: [
              { organisation: 'org-a', profile: 'analyst' },
              { organisation: 'org-b', profile: 'org-admin' },
            ],
          }),
      ],
      [
        `${who.login} joins admin`,
        () => t.as(who).put(`/api/v1/user/${who.login}/organisations`, { organisations: [{ organisation: 'admin', profile: 'admin' }] }),
      ],
    ]);
  }
});

test('profiles: only platform administrators create or change them; built-in profiles never change', async () => {
  await refusedAndUnchanged([
    ['org-admin creates a profile', () => t.as(a.admin).post('/api/v1/profile', { name: 'mine', permissions: ['manageOrganisation'] })],
    ['org-admin edits analyst', () => t.as(a.admin).patch('/api/v1/profile/analyst', { permissions: ['manageUser', 'manageOrganisation'] })],
    ['analyst edits read-only', () => t.as(a.analyst).patch('/api/v1/profile/read-only', { permissions: ['manageCase/create'] })],
    [
      'limited administrator edits own profile',
      () => t.as(userAdmin).patch('/api/v1/profile/user-admin', { permissions: ['manageUser', 'manageProfile', 'manageOrganisation'] }),
    ],
    ['limited administrator creates a profile', () => t.as(userAdmin).post('/api/v1/profile', { name: 'mine2', permissions: ['manageOrganisation'] })],
    ['admin edits a built-in profile', () => t.admin.patch('/api/v1/profile/analyst', { permissions: ['manageUser'] })],
    ['admin renames a profile to admin', () => t.admin.patch('/api/v1/profile/user-admin', { name: 'admin' })],
  ]);
  const analyst = await t.admin.get('/api/v1/profile/analyst');
  assert.equal(analyst.body.permissions.includes('manageUser'), false);
  const ua = await t.admin.get('/api/v1/profile/user-admin');
  assert.deepEqual(ua.body.permissions, ['manageUser']);
});

test('organisations: analysts cannot change theirs, org-admins cannot change another one or create one', async () => {
  const before = (await t.admin.get('/api/v1/organisation/org-b')).body;
  for (const [what, r] of [
    ['analyst locks own org', await t.as(a.analyst).patch('/api/v1/organisation/org-a', { locked: true })],
    ['org-admin locks org-b', await t.as(a.admin).patch('/api/v1/organisation/org-b', { locked: true })],
    ['org-admin renames org-b', await t.as(a.admin).patch('/api/v1/organisation/org-b', { name: 'pwned' })],
    ['org-admin renames own org to admin', await t.as(a.admin).patch('/api/v1/organisation/org-a', { name: 'admin' })],
    ['org-admin creates an org', await t.as(a.admin).post('/api/v1/organisation', { name: 'rogue', description: 'x' })],
    ['org-admin links org-a to org-b', await t.as(a.admin).put('/api/v1/organisation/org-a/link/org-b', {})],
  ] as const) {
    assertRefused(r, what);
  }
  assert.deepEqual((await t.admin.get('/api/v1/organisation/org-b')).body, before);
  assert.equal((await t.admin.get('/api/v1/organisation/rogue')).status, 404);
  assert.equal((await t.as(a.analyst).get('/api/v1/user/current')).status, 200, 'org-a is not locked');
});

test('positive control: a platform administrator can change a profile, and the change takes effect', async () => {
  const r = await t.admin.patch(`/api/v1/user/${b.readonly.login}`, { profile: 'analyst', organisation: 'org-b' });
  assert.equal(r.status, 204, r.text);
  assert.equal((await rightsOf(t, [b.readonly.login]))[0]!.organisations[0]!.profile, 'analyst');
  const created = await t.as(b.readonly).post('/api/v1/case', { title: 'now allowed', description: 'x' });
  assert.equal(created.status, 201, created.text);
  assert.equal((await t.admin.patch(`/api/v1/user/${b.readonly.login}`, { profile: 'read-only', organisation: 'org-b' })).status, 204);
  assert.equal((await t.as(b.readonly).post('/api/v1/case', { title: 'refused again', description: 'x' })).status, 403);
});

test('a locked user cannot authenticate, whatever the credentials', async () => {
  const key = await t.admin.post(`/api/v1/user/${a.readonly.login}/key/renew`);
  assert.equal(key.status, 200, key.text);
  assert.equal((await t.admin.patch(`/api/v1/user/${a.readonly.login}`, { locked: true })).status, 204);
  try {
    const viaBasic = await t.running.app.inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: basic(a.readonly.login, 'secret') } });
    assert.equal(viaBasic.statusCode, 401);
    const viaKey = await t.running.app.inject({ method: 'GET', url: '/api/v1/user/current', headers: { authorization: `Bearer ${key.text}` } });
    assert.equal(viaKey.statusCode, 401);
  } finally {
    assert.equal((await t.admin.patch(`/api/v1/user/${a.readonly.login}`, { locked: false })).status, 204);
  }
});
