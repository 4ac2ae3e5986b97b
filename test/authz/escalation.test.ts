/**
 * Privilege escalation, as a sweep of the route table. test/security/privilege-escalation.test.ts
 * has the hand-written CVE-2017-18376 cases; this file adds what a sweep finds:
 *   - every route naming a user, a profile or an organisation (found in the route table, so routes
 *     added later are swept) is called by each non-platform caller, and by a limited platform
 *     administrator, with escalating bodies against themselves, the platform administrator, the
 *     admin organisation, another organisation and every profile: never a 2xx, and afterwards
 *     nobody's rights, no profile and no organisation changed;
 *   - platform creations (organisation, profile, custom field, observable type) are refused;
 *   - the admin organisation: its profiles' platform permissions (the built-in org-admin holds
 *     manageUser, manageConfig...) are only handed out by who holds them as platform rights;
 *   - the organisation header cannot select an organisation one is not a member of.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Creds, type TestOrg, type TestWaggle } from '../../packages/server/src/test/support.js';
import { call, type Body, type Method, type Res } from './fixture.js';
import { kindOf, routeTable, type Route } from './routes.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;
/** Member of the admin organisation with a profile holding only manageUser. */
let userAdmin: Creds;
/** Org-admin of org-a who is also a limited platform user administrator. */
let mixed: Creds;
let routes: Route[];
const PLATFORM_ADMIN = 'admin@thehive.local';
const PROFILES = ['admin', 'org-admin', 'analyst', 'read-only', 'user-admin', 'custom-analyst'];

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  for (const [name, permissions] of [
    ['user-admin', ['manageUser']],
    ['custom-analyst', ['manageCase/create', 'manageCase/update', 'manageTask']],
  ] as const) {
    const p = await t.admin.post('/api/v1/profile', { name, permissions });
    assert.equal(p.status, 201, p.text);
  }
  const ua = await t.admin.post('/api/v1/user', { login: 'ua@admin', name: 'ua', profile: 'user-admin', organisation: 'admin', password: 'secret' });
  assert.equal(ua.status, 201, ua.text);
  userAdmin = { login: 'ua@admin', password: 'secret', org: 'admin' };
  const m1 = await t.admin.post('/api/v1/user', { login: 'mixed@org-a', name: 'mixed', profile: 'org-admin', organisation: 'org-a', password: 'secret' });
  assert.equal(m1.status, 201, m1.text);
  const m2 = await t.admin.post('/api/v1/user', { login: 'mixed@org-a', name: 'mixed', profile: 'user-admin', organisation: 'admin' });
  assert.equal(m2.status, 201, m2.text);
  mixed = { login: 'mixed@org-a', password: 'secret', org: 'org-a' };
  for (const login of [a.analyst.login, PLATFORM_ADMIN]) assert.equal((await t.admin.post(`/api/v1/user/${login}/key/renew`)).status, 200);
  routes = await routeTable(t);
});
after(async () => t?.close());

/** Everything that decides anyone's rights, as the platform administrator reads it. */
async function platformState(): Promise<unknown> {
  const q = async (query: unknown[]) => {
    const r = await t.admin.query(query);
    assert.equal(r.status, 200, r.text);
    return r.body as Array<Record<string, unknown>>;
  };
  const users = (await q([{ _name: 'listUser' }, { _name: 'sort', _fields: [{ login: 'asc' }] }])).map((u) => ({
    login: u.login,
    locked: u.locked,
    type: u.type,
    hasKey: u.hasKey,
    organisations: u.organisations,
  }));
  const profiles = (await q([{ _name: 'listProfile' }, { _name: 'sort', _fields: [{ name: 'asc' }] }])).map((p) => ({
    name: p.name,
    permissions: p.permissions,
  }));
  const orgs = (await q([{ _name: 'listOrganisation' }, { _name: 'sort', _fields: [{ name: 'asc' }] }])).map((o) => ({
    name: o.name,
    locked: o.locked,
    description: o.description,
  }));
  const links = await Promise.all(['admin', a.name, b.name].map(async (o) => (await t.admin.get(`/api/v1/organisation/${o}/links`)).body));
  const keys = await Promise.all([a.analyst.login, PLATFORM_ADMIN].map(async (l) => (await t.admin.get(`/api/v1/user/${l}/key`)).text));
  const fields = (await t.admin.get('/api/v1/customField')).body;
  const types = await q([{ _name: 'listObservableType' }, { _name: 'sort', _fields: [{ name: 'asc' }] }]);
  return { users, profiles, orgs, links, keys, fields, types: types.map((x) => x.name) };
}

/** The rights a caller holds, as the server computes them for their own requests. */
async function rightsOf(c: Creds): Promise<unknown> {
  const r = await call(t, c, 'GET', '/api/v1/user/current');
  if (r.status !== 200) return brief(r);
  return { profile: r.json.profile, permissions: [...(r.json.permissions as string[])].sort(), organisations: r.json.organisations };
}

interface Caller {
  name: string;
  creds: Creds;
  /** The caller's profile in its current organisation (a PATCH to the same profile changes nothing). */
  profile: string;
  /** Users this caller may legitimately manage (not swept as targets). */
  manages: (login: string) => boolean;
  /** Organisations this caller may legitimately change. */
  ownOrg?: string;
}

/** The escalating bodies of a route naming users, profiles or organisations (all schema-valid). */
function bodiesFor(route: Route, self: Creds, platformUserAdmin: boolean): Body[] {
  const all = ['manageOrganisation', 'manageProfile', 'manageUser', 'manageCustomField', 'manageConfig', 'manageCase/create'];
  switch (route.key) {
    case 'PATCH /api/v1/user/:id':
      return [
        { profile: 'admin', organisation: 'admin' },
        { profile: 'org-admin' },
        { profile: 'org-admin', organisation: 'admin' },
        { locked: true },
        { locked: false },
        { type: 'Service' },
        { name: 'pwned' },
        { email: 'pwned@attacker.example' },
        { avatar: 'cHduZWQ=' },
        // memberships in organisations: a platform user administrator hands them out by design
        ...(platformUserAdmin ? [] : [{ organisation: b.name, profile: 'org-admin' }, { defaultOrganisation: 'admin' }]),
      ];
    case 'PUT /api/v1/user/:id/organisations':
      return [
        { organisations: [{ organisation: 'admin', profile: 'admin' }] },
        { organisations: [{ organisation: 'admin', profile: 'org-admin' }] },
        {
          organisations: [
            { organisation: a.name, profile: 'org-admin' },
            { organisation: b.name, profile: 'org-admin' },
          ],
        },
        { organisations: [{ organisation: self.org ?? a.name, profile: 'org-admin' }] },
      ];
    case 'POST /api/v1/user/:id/password/set':
      return [{ password: 'pwned-password' }];
    case 'POST /api/v1/user/:id/password/change':
      return [{ password: 'pwned-password', currentPassword: 'secret' }];
    case 'PATCH /api/v1/profile/:id':
      return [{ permissions: all }, { name: 'renamed-profile' }];
    case 'PATCH /api/v1/organisation/:id':
      return [{ locked: true }, { name: 'renamed-org' }, { description: 'pwned' }, { taskRule: 'all' }];
    case 'PUT /api/v1/organisation/:id/link/:other':
      return [{}];
    case 'PUT /api/v1/organisation/:id/links':
      return [{ links: [] }, { links: [{ toOrganisation: a.name, linkType: 'x', otherLinkType: 'y' }] }];
    default:
      return route.method === 'GET' || route.method === 'DELETE' ? [undefined] : [{}];
  }
}

/** Kinds of the route's parameters, or undefined if one is not about users, profiles or organisations. */
function identityKinds(route: Route): string[] | undefined {
  const segments = route.url.split('/');
  const kinds: string[] = [];
  let prev: string | undefined;
  for (const [i, seg] of segments.entries()) {
    if (!seg.startsWith(':')) continue;
    const k = kindOf(segments, i, seg.slice(1), prev);
    if (k !== 'user' && k !== 'organisation' && k !== 'profile') return undefined;
    kinds.push(k);
    prev = k;
  }
  return kinds.length ? kinds : undefined;
}

/** A PATCH of one's own user that changes nothing one's rights depend on (own name, e-mail, avatar, same profile). */
function isNoOp(body: Record<string, unknown>, caller: Caller): boolean {
  const { name, email, avatar, profile, organisation, ...rest } = body;
  void [name, email, avatar];
  return (
    Object.keys(rest).length === 0 && (profile === undefined || profile === caller.profile) && (organisation === undefined || organisation === caller.creds.org)
  );
}

const brief = (r: Res) => `${r.status} ${r.text.slice(0, 160)}`;

test('every route naming a user, profile or organisation refuses escalation by every non-platform caller', async () => {
  const callers: Caller[] = [
    { name: 'org-a read-only', creds: a.readonly, profile: 'read-only', manages: () => false },
    { name: 'org-a analyst', creds: a.analyst, profile: 'analyst', manages: () => false },
    { name: 'org-a org-admin', creds: a.admin, profile: 'org-admin', manages: (l) => l.endsWith('@org-a') && l !== a.admin.login, ownOrg: a.name },
    { name: 'org-b org-admin', creds: b.admin, profile: 'org-admin', manages: (l) => l.endsWith('@org-b') && l !== b.admin.login, ownOrg: b.name },
    // a limited platform administrator manages users, itself included, by design: swept against the
    // full administrator, profiles and organisations (its grants in the admin organisation: below)
    { name: 'limited platform admin', creds: userAdmin, profile: 'user-admin', manages: (l) => l !== PLATFORM_ADMIN },
  ];
  const swept = new Set<string>();
  const problems: string[] = [];
  const stateBefore = await platformState();
  for (const caller of callers) {
    const rightsBefore = await rightsOf(caller.creds);
    const values: Record<string, string[]> = {
      user: [caller.creds.login, PLATFORM_ADMIN, a.admin.login, b.admin.login, 'mixed@org-a'].filter((l) => !caller.manages(l)),
      organisation: ['admin', a.name, b.name].filter((o) => o !== caller.ownOrg),
      profile: PROFILES,
    };
    for (const route of routes) {
      const kinds = identityKinds(route);
      const nonParam = ['POST /api/v1/user', 'POST /api/v1/profile', 'POST /api/v1/organisation'].includes(route.key);
      if (!kinds && !nonParam) continue;
      if (route.method === 'GET' && route.key !== 'GET /api/v1/user/:id/key') continue;
      swept.add(route.key);
      const urls: string[] = [];
      const walk = (i: number, url: string) => {
        if (!kinds || i === kinds.length) {
          urls.push(url);
          return;
        }
        const param = route.params[i] ?? '';
        for (const v of values[kinds[i] ?? ''] ?? []) walk(i + 1, url.replace(`:${param}`, encodeURIComponent(v)));
      };
      walk(0, route.url);
      const otherOrg = caller.creds.org === a.name ? b.name : a.name;
      const userBodies: Body[] = [
        { login: `new-admin-${caller.creds.login}`, name: 'x', profile: 'admin', organisation: 'admin' },
        { login: `new-oa-${caller.creds.login}`, name: 'x', profile: 'org-admin', organisation: 'admin' },
        { login: b.analyst.login === caller.creds.login ? a.analyst.login : b.analyst.login, name: 'x', profile: 'admin', organisation: 'admin' },
      ];
      if (!caller.manages(caller.creds.login)) {
        userBodies.push(
          { login: caller.creds.login, name: 'x', profile: 'admin', organisation: 'admin' },
          { login: caller.creds.login, name: 'x', profile: 'org-admin', organisation: 'admin' },
          { login: caller.creds.login, name: 'x', profile: 'org-admin', organisation: otherOrg },
          // "add or create": the platform administrator into the caller's organisation
          { login: PLATFORM_ADMIN, name: 'x', profile: 'read-only', organisation: caller.creds.org ?? a.name },
        );
      }
      const bodies: Body[] =
        route.key === 'POST /api/v1/user'
          ? userBodies
          : route.key === 'POST /api/v1/profile'
            ? [
                { name: `p-${caller.name}`, permissions: ['manageOrganisation'] },
                { name: `q-${caller.name}`, permissions: [] },
              ]
            : route.key === 'POST /api/v1/organisation'
              ? [{ name: `o-${caller.creds.login.replace(/[@.]/g, '-')}`, description: 'x' }]
              : bodiesFor(route, caller.creds, caller.creds === userAdmin);
      for (const url of urls) {
        // a user's own harmless self-service (name, own password change with the right password) is not escalation
        const selfUrl = url.includes(`/user/${encodeURIComponent(caller.creds.login)}`);
        for (const body of bodies) {
          if (selfUrl && route.key === 'POST /api/v1/user/:id/password/change') continue;
          if (selfUrl && route.key === 'GET /api/v1/user/:id/key') continue;
          if (selfUrl && route.key === 'POST /api/v1/user/:id/key/renew') continue;
          if (selfUrl && route.key === 'DELETE /api/v1/user/:id/key') continue;
          if (selfUrl && route.key === 'PATCH /api/v1/user/:id' && isNoOp(body as Record<string, unknown>, caller)) continue;
          const r = await call(t, caller.creds, route.method, url, body);
          if (r.status < 400 || r.status >= 500) problems.push(`${caller.name}: ${route.method} ${url} ${JSON.stringify(body) ?? ''} -> ${brief(r)}`);
        }
      }
    }
    const rightsAfter = await rightsOf(caller.creds);
    if (JSON.stringify(rightsAfter) !== JSON.stringify(rightsBefore)) {
      problems.push(`${caller.name}'s own rights changed: ${JSON.stringify(rightsBefore)} -> ${JSON.stringify(rightsAfter)}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await platformState(), stateBefore, 'no user, profile, organisation, key or platform object changed');
  for (const key of [
    'PATCH /api/v1/user/:id',
    'PUT /api/v1/user/:id/organisations',
    'PATCH /api/v1/profile/:id',
    'PATCH /api/v1/organisation/:id',
    'PUT /api/v1/organisation/:id/link/:other',
    'POST /api/v1/user',
  ]) {
    assert.ok(swept.has(key), `${key} was swept`);
  }
});

test('platform objects (custom fields, observable types) cannot be created, changed or deleted by organisation users', async () => {
  const cf = await t.admin.post('/api/v1/customField', { name: 'esc-cf', group: 'g', description: 'd', type: 'string' });
  assert.equal(cf.status, 201, cf.text);
  const ot = await t.admin.post('/api/v1/observable/type', { name: 'esc-type' });
  assert.equal(ot.status, 201, ot.text);
  const before_ = await platformState();
  const attempts: Array<[Method, string, Body]> = [
    ['POST', '/api/v1/customField', { name: 'rogue-cf', group: 'g', description: 'd', type: 'string' }],
    ['PATCH', '/api/v1/customField/esc-cf', { description: 'pwned' }],
    ['DELETE', '/api/v1/customField/esc-cf?force=True', undefined],
    ['POST', '/api/v1/observable/type', { name: 'rogue-type' }],
    ['DELETE', '/api/v1/observable/type/esc-type', undefined],
  ];
  const problems: string[] = [];
  for (const c of [a.readonly, a.analyst, a.admin, mixed, userAdmin]) {
    for (const [method, url, body] of attempts) {
      const r = await call(t, c, method, url, body);
      if (r.status !== 403 && r.status !== 404) problems.push(`${c.login} ${method} ${url}: ${brief(r)}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await platformState(), before_);
});

test('in the admin organisation, the platform permissions of any profile are granted only by who holds them as platform rights', async () => {
  // org-admin is an organisation profile, but in the admin organisation its manageUser, manageConfig,
  // manageCaseTemplate and manageTag are platform rights: a limited platform admin holding only
  // manageUser must not hand it out there, to anyone, itself included
  const before_ = await platformState();
  const attempts: Array<[string, Creds, Method, string, Body]> = [
    [
      'self via organisations',
      userAdmin,
      'PUT',
      `/api/v1/user/${userAdmin.login}/organisations`,
      { organisations: [{ organisation: 'admin', profile: 'org-admin' }] },
    ],
    [
      'org user via organisations',
      userAdmin,
      'PUT',
      `/api/v1/user/${a.analyst.login}/organisations`,
      {
        organisations: [
          { organisation: a.name, profile: 'analyst' },
          { organisation: 'admin', profile: 'org-admin' },
        ],
      },
    ],
    [
      'new admin-org user',
      userAdmin,
      'POST',
      '/api/v1/user',
      { login: 'oa@admin', name: 'x', profile: 'org-admin', organisation: 'admin', password: 'secret' },
    ],
    ['existing user into admin org', userAdmin, 'POST', '/api/v1/user', { login: a.readonly.login, name: 'x', profile: 'org-admin', organisation: 'admin' }],
    ['org user by PATCH', userAdmin, 'PATCH', `/api/v1/user/${a.analyst.login}`, { organisation: 'admin', profile: 'org-admin' }],
    // the org-admin rights of org-a are not platform rights, even for a user who also manages users platform-wide
    [
      'mixed: self via organisations',
      mixed,
      'PUT',
      `/api/v1/user/${mixed.login}/organisations`,
      {
        organisations: [
          { organisation: a.name, profile: 'org-admin' },
          { organisation: 'admin', profile: 'org-admin' },
        ],
      },
    ],
    [
      'mixed: org-a colleague into admin org',
      mixed,
      'PUT',
      `/api/v1/user/${a.readonly.login}/organisations`,
      {
        organisations: [
          { organisation: a.name, profile: 'read-only' },
          { organisation: 'admin', profile: 'org-admin' },
        ],
      },
    ],
    [
      'mixed: new admin-org user',
      mixed,
      'POST',
      '/api/v1/user',
      { login: 'oa2@admin', name: 'x', profile: 'org-admin', organisation: 'admin', password: 'secret' },
    ],
  ];
  const problems: string[] = [];
  for (const [what, c, method, url, body] of attempts) {
    const r = await call(t, c, method, url, body);
    if (r.status !== 403 && r.status !== 400) problems.push(`${what}: ${brief(r)}`);
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await platformState(), before_);
  // positive controls: a limited platform admin still manages organisation users, and the full
  // administrator may grant org-admin in the admin organisation
  const ok1 = await call(t, userAdmin, 'PUT', `/api/v1/user/${b.readonly.login}/organisations`, {
    organisations: [{ organisation: b.name, profile: 'org-admin' }],
  });
  assert.equal(ok1.status, 200, ok1.text);
  assert.equal(
    (await call(t, userAdmin, 'PUT', `/api/v1/user/${b.readonly.login}/organisations`, { organisations: [{ organisation: b.name, profile: 'read-only' }] }))
      .status,
    200,
  );
  const ok2 = await t.admin.post('/api/v1/user', { login: 'oa3@admin', name: 'x', profile: 'org-admin', organisation: 'admin' });
  assert.equal(ok2.status, 201, ok2.text);
});

test('the organisation header selects only an organisation the user belongs to', async () => {
  const problems: string[] = [];
  for (const c of [a.readonly, a.analyst, a.admin, b.admin]) {
    for (const org of ['admin', c.org === a.name ? b.name : a.name, c.org === a.name ? b.id : a.id, 'no-such-org']) {
      for (const [method, url, body] of [
        ['GET', '/api/v1/user/current', undefined],
        ['POST', '/api/v1/organisation', { name: 'via-header', description: 'x' }],
        ['POST', '/api/v1/case', { title: 'via header', description: 'x' }],
        ['POST', '/api/v1/query', { query: [{ _name: 'listCase' }] }],
      ] as Array<[Method, string, Body]>) {
        const r = await call(t, { ...c, org }, method, url, body);
        if (r.status !== 401 && r.status !== 403) problems.push(`${c.login} as ${org}: ${method} ${url} -> ${brief(r)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.equal((await t.admin.get('/api/v1/organisation/via-header')).status, 404);
});

test('the identity of another account (name, e-mail, avatar) is changed only by who dominates all its memberships', async () => {
  const refused: Array<[string, Creds, string, Record<string, unknown>]> = [
    ['limited platform admin renames the administrator', userAdmin, PLATFORM_ADMIN, { name: 'pwned' }],
    ['limited platform admin sets the administrator e-mail', userAdmin, PLATFORM_ADMIN, { email: 'pwned@attacker.example' }],
    ['org-admin sets the e-mail of a colleague who is also a platform user admin', a.admin, mixed.login, { email: 'pwned@attacker.example' }],
    ['org-admin renames a colleague who is also a platform user admin', a.admin, mixed.login, { name: 'pwned' }],
    ['analyst renames a colleague', a.analyst, a.readonly.login, { name: 'pwned' }],
  ];
  const problems: string[] = [];
  for (const [what, c, login, body] of refused) {
    const before_ = (await t.admin.get(`/api/v1/user/${login}`)).body;
    const r = await call(t, c, 'PATCH', `/api/v1/user/${encodeURIComponent(login)}`, body);
    if (r.status !== 403 && r.status !== 404) problems.push(`${what}: ${brief(r)}`);
    const after_ = (await t.admin.get(`/api/v1/user/${login}`)).body;
    if (after_.name !== before_.name || after_.email !== before_.email) problems.push(`${what}: changed`);
  }
  assert.deepEqual(problems, []);
  // positive controls: an org-admin edits the users of its organisation, a platform user admin the
  // organisation users, the administrator anyone, and everyone their own identity
  for (const [c, login] of [
    [a.admin, a.analyst.login],
    [userAdmin, b.analyst.login],
    [{ login: PLATFORM_ADMIN, password: 'secret' }, mixed.login],
    [a.readonly, a.readonly.login],
  ] as Array<[Creds, string]>) {
    const r = await call(t, c, 'PATCH', `/api/v1/user/${encodeURIComponent(login)}`, { name: `renamed by ${c.login}`, email: `${login}.new@example.org` });
    assert.equal(r.status, 204, `${c.login} -> ${login}: ${r.text}`);
    assert.equal((await t.admin.get(`/api/v1/user/${login}`)).body.name, `renamed by ${c.login}`);
  }
});
