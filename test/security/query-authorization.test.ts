/**
 * Per-object authorisation on the generic Query API (CVE-2025-48741 class, SB-SEC-ADV-2025-004:
 * one endpoint returned alerts, cases, logs, observables, tasks regardless of permissions).
 *
 * For EVERY source registered in the query service (listCase, getCase, listUser, getUser,
 * listOrganisation... discovered at run time, so new sources are covered without editing this
 * file), and every traversal one and two steps away, each object returned to a caller must be one
 * the direct-access policy (`canSee`) lets that caller see; org-b never gets any object of
 * org-a; get-sources given org-a's ids return nothing; and counts tell no more than rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg, type Creds, type Client } from '../../packages/server/src/test/support.js';
import { ENTITIES } from '../../packages/server/src/entities/registry.js';
import { canSee } from '../../packages/server/src/services/policy.js';
import type { Actor } from '../../packages/server/src/services/actor.js';
import type { Doc } from '../../packages/server/src/storage/entity-store.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;
/** Ids of every org-a object created, by kind; `restricted` ones are hidden even inside org-a. */
const aIds = new Map<string, string>();
let restrictedIds: string[] = [];
let sources: Array<[string, string]> = [];
let traversals: Array<[string, string, string]> = [];

interface Registry {
  sources: Map<string, { entity: string }>;
  traversals: Map<string, { entity: string }>;
}

async function create(c: Client, kind: string, url: string, body: unknown): Promise<Record<string, unknown> | undefined> {
  const r = await c.post(url, body);
  if (r.status !== 201 && r.status !== 200) return undefined;
  const obj = (Array.isArray(r.body) ? r.body[0] : r.body) as Record<string, unknown> | undefined;
  if (obj && typeof obj._id === 'string') aIds.set(kind, obj._id);
  return obj;
}

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  const c = t.as(a.admin);
  const caze = await create(c, 'case', '/api/v1/case', { title: 'org-a case', description: 'secret of org-a', tags: ['secret'] });
  assert.ok(caze, 'case created');
  const cid = String(caze._id);
  const task = await create(c, 'task', `/api/v1/case/${cid}/task`, { title: 'org-a task' });
  if (task) await create(c, 'log', `/api/v1/task/${String(task._id)}/log`, { message: 'org-a log' });
  await create(c, 'observable', `/api/v1/case/${cid}/observable`, { dataType: 'ip', data: '10.66.66.66', message: 'org-a observable' });
  await create(c, 'comment', `/api/v1/case/${cid}/comment`, { message: 'org-a comment' });
  await create(c, 'page', `/api/v1/case/${cid}/page`, { title: 'org-a page', content: 'x', category: 'notes' });
  await create(c, 'procedure', `/api/v1/case/${cid}/procedure`, { patternId: 'T1059', occurDate: Date.now(), description: 'org-a procedure' });
  await create(c, 'customEvent', `/api/v1/case/${cid}/customEvent`, { date: Date.now(), title: 'org-a event' });
  const alert = await create(c, 'alert', '/api/v1/alert', { type: 'sec-test', source: 'org-a', sourceRef: 'ref-1', title: 'org-a alert', description: 'x' });
  if (alert) {
    await create(c, 'alertObservable', `/api/v1/alert/${String(alert._id)}/observable`, { dataType: 'domain', data: 'org-a.example' });
    await create(c, 'alertComment', `/api/v1/alert/${String(alert._id)}/comment`, { message: 'org-a alert comment' });
  }
  await create(c, 'caseTemplate', '/api/v1/caseTemplate', { name: 'org-a template', description: 'x' });
  // a case restricted to org-a's admin: other org-a users must not reach it either
  const hidden = await create(c, 'restrictedCase', '/api/v1/case', { title: 'restricted case', description: 'x' });
  assert.ok(hidden);
  const hiddenTask = await create(c, 'restrictedTask', `/api/v1/case/${String(hidden._id)}/task`, { title: 'restricted task' });
  const access = await c.post(`/api/v1/case/${String(hidden._id)}/access`, { access: { _kind: 'UserAccessKind', users: [a.admin.login] } });
  assert.equal(access.status, 204, access.text);
  restrictedIds = [String(hidden._id), ...(hiddenTask ? [String(hiddenTask._id)] : [])];
  // org-b has data of its own
  await t.as(b.admin).post('/api/v1/case', { title: 'org-b case', description: 'x' });

  const reg = t.running.services.query as unknown as Registry;
  sources = [...reg.sources.entries()].map(([name, def]) => [name, def.entity]);
  traversals = [...reg.traversals.entries()].map(([key, def]) => {
    const dot = key.indexOf('.');
    return [key.slice(0, dot), key.slice(dot + 1), def.entity];
  });
});
after(async () => t?.close());

async function findDoc(id: string): Promise<Doc | undefined> {
  for (const def of ENTITIES.values()) {
    const d = await t.running.services.store.get(def.name, id);
    if (d) return d;
  }
  return undefined;
}

async function actorOf(creds: Creds): Promise<Actor> {
  const user = await t.running.services.users.findByLogin(creds.login);
  assert.ok(user);
  return t.running.services.auth.actorFor(user, creds.org, 'basic', 'test');
}

/** Every chain the caller can run: each source, then one or two traversals. */
function chains(): Array<Array<Record<string, unknown>>> {
  const out: Array<Array<Record<string, unknown>>> = [];
  for (const [name, entity] of sources) {
    if (!name.startsWith('list')) continue;
    out.push([{ _name: name }]);
    for (const [from, t1, e1] of traversals) {
      if (from !== entity) continue;
      out.push([{ _name: name }, { _name: t1 }]);
      for (const [from2, t2] of traversals) if (from2 === e1) out.push([{ _name: name }, { _name: t1 }, { _name: t2 }]);
    }
  }
  return out;
}

interface Outcome {
  checked: number;
}

/** Runs every chain as `creds` and checks each returned object against `allowed`. */
async function sweep(creds: Creds, allowed: (doc: Doc) => boolean, forbidden: ReadonlySet<string>): Promise<Outcome> {
  const c = t.as(creds);
  let checked = 0;
  const problems: string[] = [];
  for (const chain of chains()) {
    const r = await c.query([...chain, { _name: 'page', from: 0, to: 1000 }]);
    const label = chain.map((s) => s._name).join(' -> ');
    assert.ok(r.status < 500, `${label}: ${r.status} ${r.text}`);
    if (r.status !== 200) continue;
    assert.ok(Array.isArray(r.body), `${label}: ${r.text}`);
    for (const row of r.body as Array<Record<string, unknown>>) {
      const id = row._id;
      if (typeof id !== 'string') continue;
      checked++;
      if (forbidden.has(id)) problems.push(`${label} returned forbidden ${id}`);
      const doc = await findDoc(id);
      if (doc && !allowed(doc)) problems.push(`${label} returned ${doc._type} ${id} the policy hides`);
    }
    const n = await c.query([...chain, { _name: 'count' }]);
    if (n.status === 200 && (r.body as unknown[]).length < 1000) assert.equal(n.body, (r.body as unknown[]).length, `${label}: count and rows disagree`);
  }
  assert.deepEqual(problems, []);
  return { checked };
}

test('org-b users (admin, analyst, read-only) get nothing of org-a from any source or traversal', async () => {
  assert.ok(aIds.size >= 8, `org-a objects created: ${[...aIds.keys()].join(', ')}`);
  assert.ok(sources.length >= 10, `sources: ${sources.map((s) => s[0]).join(', ')}`);
  assert.ok(chains().length >= 30, `only ${chains().length} chains`);
  const forbidden = new Set([...aIds.values(), ...restrictedIds]);
  for (const who of [b.admin, b.analyst, b.readonly]) {
    const actor = await actorOf(who);
    const { checked } = await sweep(who, (d) => canSee(actor, d), forbidden);
    assert.ok(checked > 0, `${who.login} saw nothing at all; the sweep proves nothing`);
  }
});

test('inside org-a, a case restricted to one user is invisible to the others through every chain', async () => {
  const actor = await actorOf(a.readonly);
  await sweep(a.readonly, (d) => canSee(actor, d), new Set(restrictedIds));
  const analyst = await actorOf(a.analyst);
  await sweep(a.analyst, (d) => canSee(analyst, d), new Set(restrictedIds));
});

test('positive control: org-a users do get their objects through the sweep', async () => {
  const actor = await actorOf(a.admin);
  const seen = new Set<string>();
  const c = t.as(a.admin);
  for (const chain of chains()) {
    const r = await c.query([...chain, { _name: 'page', from: 0, to: 1000 }]);
    if (r.status === 200) for (const row of r.body as Array<{ _id?: string }>) if (row._id) seen.add(row._id);
  }
  const reachable = new Set([...sources.map(([, e]) => e), ...traversals.map(([, , e]) => e)]);
  const missing: string[] = [];
  for (const [kind, id] of aIds) {
    const doc = await findDoc(id);
    if (doc && reachable.has(doc._type) && !seen.has(id)) missing.push(kind);
  }
  assert.deepEqual(missing, [], 'every org-a object of a queryable type is reachable by its own admin through some chain');
  assert.ok(seen.size >= 8);
  await sweep(a.admin, (d) => canSee(actor, d), new Set());
});

test('get-sources with org-a ids, names or numbers return nothing of org-a to org-b', async () => {
  const c = t.as(b.analyst);
  const keys = [...aIds.values(), ...restrictedIds, a.admin.login, a.analyst.login, 'org-a', a.id];
  const forbidden = new Set([...aIds.values(), ...restrictedIds, a.id]);
  for (const [name, entity] of sources) {
    if (!name.startsWith('get')) continue;
    for (const key of keys) {
      const chainsFrom: Array<Array<Record<string, unknown>>> = [[{ _name: name, idOrName: key }]];
      for (const [from, t1] of traversals) if (from === entity) chainsFrom.push([{ _name: name, idOrName: key }, { _name: t1 }]);
      for (const chain of chainsFrom) {
        const r = await c.query(chain);
        const label = `${chain.map((s) => s._name).join(' -> ')} (${key})`;
        assert.ok(r.status < 500, `${label}: ${r.status} ${r.text}`);
        if (r.status !== 200) continue;
        const rows = (Array.isArray(r.body) ? r.body : [r.body]) as Array<{ _id?: string }>;
        const leaked = rows.filter((x) => x && typeof x._id === 'string' && forbidden.has(x._id));
        assert.deepEqual(leaked, [], label);
      }
    }
  }
  // org-a users are not visible to org-b, by login or id
  for (const login of [a.admin.login, a.analyst.login]) {
    const r = await c.query([{ _name: 'getUser', idOrName: login }]);
    assert.ok(r.status === 404 || (r.status === 200 && Array.isArray(r.body) && r.body.length === 0), `${login}: ${r.status} ${r.text}`);
  }
});

test('filters and sorts on secrets are refused (no oracle), never a 5xx', async () => {
  const c = t.as(b.admin);
  for (const field of ['passwordHash', 'keyHash', 'keyEnc', 'mfa', 'organisations', 'failedLogins']) {
    for (const filter of [
      { _eq: { _field: field, _value: 'x' } },
      { _like: { _field: field, _value: 'scrypt*' } },
      { _startsWith: { _field: field, _value: 's' } },
      { _has: field },
      { _gt: { _field: field, _value: '' } },
    ]) {
      const r = await c.query([{ _name: 'listUser' }, { _name: 'filter', ...filter }]);
      assert.ok(r.status >= 400 && r.status < 500, `${field} ${JSON.stringify(filter)}: ${r.status} ${r.text}`);
    }
    const s = await c.query([{ _name: 'listUser' }, { _name: 'sort', _fields: [{ [field]: 'asc' }] }]);
    assert.ok(s.status >= 400 && s.status < 500, `sort ${field}: ${s.status}`);
  }
});
