/**
 * Query API authorization matrix. Every source the query service registers (listX, getX given A's
 * ids, names and numbers), every traversal one and two steps away, each with filter / sort / page
 * (with every registered extraData) / count variants, run as organisation B: nothing of A comes
 * back (no id of A, no marker string, a count of 0 once filtered on A's ids). Sources and
 * traversals are read from the registry, so ones added later are swept without editing this file.
 *
 * Then A shares its case with B (read-only profile, tasks shared, observables not): B sees the case
 * and exactly the shared children, every write route of the route table answers 403/404, a share
 * profile of "analyst" lets B edit but never do what only the owner may; unsharing hides it all
 * again. Finally an IOC both organisations hold: similarity views of B never reveal A.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Creds, type TestOrg, type TestWaggle } from '../../packages/server/src/test/support.js';
import { call, newMarker, plant, plantGlobals, stats, type Method, type Planted, type Res } from './fixture.js';
import { QUERIES, bodyFor, fill, routeTable, type Ctx, type Route } from './routes.js';

interface Registry {
  sources: Map<string, { entity: string }>;
  traversals: Map<string, { entity: string }>;
  extraData: Map<string, unknown>;
}

let t: TestWaggle;
let a: Planted;
let b: Planted;
let orgC: TestOrg;
let ctx: Ctx;
let routes: Route[];
let sources: Array<{ name: string; entity: string }> = [];
let traversals: Array<{ from: string; name: string; entity: string }> = [];
let extraData = new Map<string, string[]>();
/** Every id of A's objects (and A's users and organisation). */
let aIds: Set<string>;

/** Entities of the platform itself (every organisation reads them): not A's. */
const PLATFORM_ENTITIES = new Set(['profile', 'observableType', 'customField', 'pattern']);

before(async () => {
  t = await testWaggle();
  const orgA = await t.org('org-a');
  const orgB = await t.org('org-b');
  orgC = await t.org('org-c');
  assert.equal((await t.admin.put('/api/v1/organisation/org-a/link/org-c', {})).status, 204);
  const g = await plantGlobals(t);
  a = await plant(t, orgA, g, { marker: newMarker('a'), dummyCases: 3, shareWith: orgC.name });
  b = await plant(t, orgB, g, { marker: newMarker('b') });
  const ids = new Map<string, string>();
  for (const u of [orgA.analyst, orgB.analyst]) ids.set(u.login, String((await t.admin.get(`/api/v1/user/${u.login}`)).body._id));
  ctx = { a, b, g, c: orgC, ids };
  routes = await routeTable(t);

  const reg = t.running.services.query as unknown as Registry;
  sources = [...reg.sources.entries()].map(([name, def]) => ({ name, entity: def.entity }));
  traversals = [...reg.traversals.entries()].map(([key, def]) => ({
    from: key.slice(0, key.indexOf('.')),
    name: key.slice(key.indexOf('.') + 1),
    entity: def.entity,
  }));
  extraData = new Map();
  for (const key of reg.extraData.keys()) {
    const [entity, name] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
    extraData.set(entity, [...(extraData.get(entity) ?? []), name]);
  }
  const users = await Promise.all([orgA.admin, orgA.analyst, orgA.readonly].map(async (u) => String((await t.admin.get(`/api/v1/user/${u.login}`)).body._id)));
  aIds = new Set(
    [
      a.caseId,
      a.case2Id,
      a.taskId,
      a.logId,
      a.logAttachmentId,
      a.observableId,
      a.fileObservableId,
      a.fileObservableAttachmentId,
      a.commentId,
      a.pageId,
      a.procedureId,
      a.customEventId,
      a.caseAttachmentId,
      a.caseTemplateId,
      a.pageTemplateId,
      a.alertId,
      a.alertObservableId,
      a.alertCommentId,
      a.alertProcedureId,
      a.alertAttachmentId,
      a.mergedAlertId,
      a.orgAttachmentId,
      a.cortexJobId ?? '',
      orgA.id,
      ...users,
    ].filter(Boolean),
  );
});
after(async () => t?.close());

/** The names by which a `getX` source may name A's object of that entity. */
function keysFor(entity: string): string[] {
  switch (entity) {
    case 'case':
      return [a.caseId, String(a.caseNumber), a.case2Id];
    case 'task':
      return [a.taskId];
    case 'log':
      return [a.logId];
    case 'comment':
      return [a.commentId, a.alertCommentId];
    case 'observable':
      return [a.observableId, a.fileObservableId, a.alertObservableId];
    case 'procedure':
      return [a.procedureId, a.alertProcedureId];
    case 'page':
      return [a.pageId];
    case 'caseTemplate':
      return [a.caseTemplateId, a.caseTemplateName];
    case 'pageTemplate':
      return [a.pageTemplateId];
    case 'dashboard':
      return [a.dashboardId];
    case 'alert':
      return [a.alertId, a.mergedAlertId];
    case 'organisation':
      return [a.org.name, a.org.id];
    case 'user':
      return [a.org.analyst.login, a.org.admin.login, ctx.ids.get(a.org.analyst.login) ?? ''];
    case 'attachment':
      return [a.orgAttachmentId, a.caseAttachmentId, a.logAttachmentId, a.alertAttachmentId];
    case 'customEvent':
      return [a.customEventId];
    case 'analyzerJob':
      return a.cortexJobId ? [a.cortexJobId] : [];
    default:
      return [];
  }
}

type Step = Record<string, unknown>;

/** Every chain: each source (get sources with each of A's keys), then up to two traversals. */
function chains(): Array<{ steps: Step[]; entity: string; startsAtA: boolean }> {
  const out: Array<{ steps: Step[]; entity: string; startsAtA: boolean }> = [];
  for (const s of sources) {
    const starts: Array<{ step: Step; atA: boolean }> = [];
    if (s.name.startsWith('get')) for (const key of keysFor(s.entity)) starts.push({ step: { _name: s.name, idOrName: key }, atA: true });
    else starts.push({ step: { _name: s.name }, atA: false });
    for (const { step, atA } of starts) {
      out.push({ steps: [step], entity: s.entity, startsAtA: atA });
      for (const t1 of traversals.filter((x) => x.from === s.entity)) {
        out.push({ steps: [step, { _name: t1.name }], entity: t1.entity, startsAtA: atA });
        for (const t2 of traversals.filter((x) => x.from === t1.entity)) {
          out.push({ steps: [step, { _name: t1.name }, { _name: t2.name }], entity: t2.entity, startsAtA: atA });
        }
      }
    }
  }
  return out;
}

/** The variants of a chain: plain page with every extraData, filtered on A's ids, sorted, counted. */
function variants(steps: Step[], entity: string): Array<{ label: string; query: Step[]; count: boolean }> {
  const ed = [...(extraData.get(entity) ?? []), 'total'];
  const onA = { _name: 'filter', _in: { _field: '_id', _values: [...aIds] } };
  return [
    { label: 'page+extraData', query: [...steps, { _name: 'page', from: 0, to: 500, extraData: ed }], count: false },
    {
      label: 'sort desc',
      query: [...steps, { _name: 'sort', _fields: [{ _createdAt: 'desc' }] }, { _name: 'page', from: 0, to: 500, extraData: [] }],
      count: false,
    },
    { label: 'filter _id in A', query: [...steps, onA], count: false },
    {
      label: 'filter not _id',
      query: [...steps, { _name: 'filter', _not: { _eq: { _field: '_id', _value: '~0' } } }, { _name: 'page', from: 0, to: 500, extraData: ed }],
      count: false,
    },
    { label: 'count', query: [...steps, { _name: 'count' }], count: true },
    { label: 'count _id in A', query: [...steps, onA, { _name: 'count' }], count: true },
  ];
}

interface SweepResult {
  problems: string[];
  queries: number;
  rows: number;
  /** Ids of A objects returned. */
  seenA: Set<string>;
}

/**
 * Runs every chain variant as `who`. `allowedA` lists the ids of A's objects the caller may see
 * (those shared with it); markers are checked only when nothing of A is allowed.
 */
async function sweep(who: Creds, allowedA: ReadonlySet<string>): Promise<SweepResult> {
  const out: SweepResult = { problems: [], queries: 0, rows: 0, seenA: new Set() };
  for (const chain of chains()) {
    if (PLATFORM_ENTITIES.has(chain.entity) && !chain.startsAtA) continue;
    for (const v of variants(chain.steps, chain.entity)) {
      const r = await call(t, who, 'POST', '/api/v1/query', { query: v.query });
      out.queries++;
      const label = `${who.login}: ${chain.steps.map((s) => (s.idOrName ? `${String(s._name)}(${String(s.idOrName)})` : String(s._name))).join(' -> ')} [${v.label}]`;
      if (r.status >= 500) out.problems.push(`${label}: ${r.status} ${r.text.slice(0, 200)}`);
      if (r.status !== 200) continue;
      if (allowedA.size === 0 && r.text.includes(a.marker)) {
        out.problems.push(`${label}: A's marker in ${r.text.slice(Math.max(0, r.text.indexOf(a.marker) - 150), r.text.indexOf(a.marker) + 60)}`);
      }
      if (v.count) {
        const n = Number(r.json);
        if (v.label === 'count _id in A' && allowedA.size === 0 && n !== 0 && !PLATFORM_ENTITIES.has(chain.entity)) {
          out.problems.push(`${label}: count ${n}, expected 0`);
        }
        continue;
      }
      for (const row of (r.json as Array<{ _id?: string }>) ?? []) {
        out.rows++;
        if (typeof row._id !== 'string' || !aIds.has(row._id)) continue;
        out.seenA.add(row._id);
        if (!allowedA.has(row._id)) out.problems.push(`${label}: returned A's ${row._id}`);
      }
    }
  }
  return out;
}

test('the registry has the sources and traversals TheHive clients use', () => {
  const names = new Set(sources.map((s) => s.name));
  for (const n of [
    'listAlert',
    'listCase',
    'listCaseTemplate',
    'listComment',
    'listLog',
    'listObservable',
    'listObservableType',
    'listOrganisation',
    'listPageTemplate',
    'listProcedure',
    'listProfile',
    'listTask',
    'listUser',
    'listPattern',
  ]) {
    assert.ok(names.has(n), n);
  }
  for (const n of [
    'getAlert',
    'getCase',
    'getCaseTemplate',
    'getComment',
    'getLog',
    'getOrganisation',
    'getPageTemplate',
    'getProcedure',
    'getTask',
    'getObservable',
    'getUser',
  ]) {
    assert.ok(names.has(n), n);
  }
  const trav = new Set(traversals.map((x) => `${x.from}.${x.name}`));
  for (const n of [
    'case.tasks',
    'case.observables',
    'case.procedures',
    'case.pages',
    'case.attachments',
    'case.comments',
    'case.alerts',
    'task.logs',
    'alert.observables',
    'alert.comments',
    'alert.procedures',
    'alert.attachments',
    'alert.case',
    'observable.case',
    'organisation.attachments',
  ]) {
    assert.ok(trav.has(n), n);
  }
  const missing = sources.filter((s) => s.name.startsWith('get') && !PLATFORM_ENTITIES.has(s.entity) && keysFor(s.entity).length === 0).map((s) => s.name);
  assert.deepEqual(missing, [], 'get sources this matrix cannot feed with A ids: teach keysFor');
});

test("positive control: A's admin reaches every planted object through the same chains", async () => {
  const r = await sweep(a.org.admin, aIds);
  assert.deepEqual(r.problems, []);
  const unreached = [...aIds].filter((id) => !r.seenA.has(id));
  // users, the organisation, attachments of observables and logs, and custom events have other routes
  const users = await usersOfA();
  const expectedElsewhere = new Set([a.fileObservableAttachmentId, a.customEventId, a.logAttachmentId, a.org.id, ...users]);
  assert.deepEqual(
    unreached.filter((id) => !expectedElsewhere.has(id)),
    [],
  );
});

async function usersOfA(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const u of [a.org.admin, a.org.analyst, a.org.readonly]) out.add(String((await t.admin.get(`/api/v1/user/${u.login}`)).body._id));
  return out;
}

test('org B (admin, analyst, read-only), linked to A or not, gets nothing of A from any chain', async () => {
  for (const linked of [false, true]) {
    if (linked) assert.equal((await t.admin.put('/api/v1/organisation/org-a/link/org-b', {})).status, 204);
    for (const who of [b.org.admin, b.org.analyst, b.org.readonly]) {
      const r = await sweep(who, linked ? new Set([a.org.id]) : new Set());
      assert.deepEqual(r.problems, [], `${who.login} (${linked ? 'linked' : 'not linked'})`);
      console.log(
        `query matrix, ${who.login} (${linked ? 'linked' : 'not linked'}): ${r.queries} queries over ${chains().length} chains, ${r.rows} rows checked`,
      );
      assert.ok(r.rows > 0, `${who.login} saw no row at all: the sweep proves nothing`);
    }
  }
});

/** Ids of A's objects B may see while A's case is shared with B (tasks shared, observables not). */
function sharedWithB(): Set<string> {
  return new Set([a.caseId, a.taskId, a.logId, a.logAttachmentId, a.commentId, a.pageId, a.procedureId, a.customEventId, a.caseAttachmentId, a.org.id]);
}

const brief = (r: Res) => `${r.status} ${r.text.slice(0, 160)}`;

test('shared read-only with B: B sees the case and the shared children only, and every write is refused', async () => {
  const share = await call(t, a.org.admin, 'POST', `/api/v1/case/${a.caseId}/shares`, {
    shares: [{ organisation: b.org.name, profile: 'read-only', taskRule: 'all', observableRule: 'none' }],
  });
  assert.equal(share.status, 200, share.text);
  const allowed = sharedWithB();
  const stream = await call(t, b.org.admin, 'POST', '/api/stream');
  assert.equal(stream.status, 200, stream.text);
  for (const who of [b.org.admin, b.org.analyst]) {
    const r = await sweep(who, allowed);
    assert.deepEqual(r.problems, [], who.login);
    for (const id of [a.caseId, a.taskId, a.logId, a.commentId, a.pageId, a.procedureId, a.caseAttachmentId]) {
      assert.ok(r.seenA.has(id), `${who.login} sees shared ${id}`);
    }
  }
  // direct reads agree with the Query API
  const B = b.org.admin;
  assert.equal((await call(t, B, 'GET', `/api/v1/case/${a.caseId}`)).status, 200);
  assert.equal((await call(t, B, 'GET', `/api/v1/task/${a.taskId}`)).status, 200);
  assert.equal((await call(t, B, 'GET', `/api/v1/observable/${a.observableId}`)).status, 404, 'observableRule none');
  assert.equal((await call(t, B, 'GET', `/api/v1/case/${a.case2Id}`)).status, 404);
  assert.equal((await call(t, B, 'GET', `/api/v1/alert/${a.mergedAlertId}`)).status, 404, 'alerts stay with their organisation');
  const timeline = await call(t, B, 'GET', `/api/v1/case/${a.caseId}/timeline`);
  assert.equal(timeline.status, 200, timeline.text);
  assert.ok(!timeline.text.includes(`${a.marker}-observable-data`), 'the timeline does not show unshared observables');
  // a task created after the share reaches B (taskRule all), an observable does not (observableRule none)
  const newTask = await call(t, a.org.admin, 'POST', `/api/v1/case/${a.caseId}/task`, { title: `${a.marker} task after share` });
  const newObs = await call(t, a.org.admin, 'POST', `/api/v1/case/${a.caseId}/observable`, { dataType: 'other', data: `${a.marker}-after-share` });
  assert.equal((await call(t, B, 'GET', `/api/v1/task/${String(newTask.json._id)}`)).status, 200);
  assert.equal((await call(t, B, 'GET', `/api/v1/observable/${String(newObs.json[0]._id)}`)).status, 404);

  // B is not linked to org-c, which A also shares the case and task with: B never learns of it
  assert.equal((await call(t, a.org.admin, 'PUT', `/api/v1/task/${a.taskId}/actionRequired/${orgC.name}`)).status, 204);
  assert.equal((await call(t, a.org.admin, 'DELETE', `/api/v1/case/${a.caseId}/shares`, { organisations: [orgC.name] })).status, 204);
  assert.equal(
    (await call(t, a.org.admin, 'POST', `/api/v1/case/${a.caseId}/shares`, { shares: [{ organisation: orgC.name, profile: 'read-only' }] })).status,
    200,
  );
  assert.equal((await call(t, a.org.admin, 'POST', `/api/v1/task/${a.taskId}/shares`, { organisations: [orgC.name] })).status, 204);
  const events = await call(t, b.org.admin, 'GET', `/api/stream/${stream.text}`);
  assert.equal(events.status, 200, events.text);
  assert.ok((events.json as unknown[]).length > 0, 'B received the events of the shared case');
  assert.ok(!events.text.includes(`"${orgC.name}"`) && !events.text.includes(orgC.id), `the stream names org-c to B: ${events.text.slice(0, 400)}`);
  const named: string[] = [];
  for (const route of routes) {
    if (route.method !== 'GET' || route.params.length === 0 || route.url.startsWith('/api/stream')) continue;
    for (const v of fill(route, a, ctx) ?? []) {
      const r = await call(t, B, 'GET', v.url + (QUERIES[route.key] ?? ''));
      if (r.text.includes(`"${orgC.name}"`) || r.text.includes(orgC.id)) named.push(`GET ${v.url}: ${brief(r)}`);
    }
  }
  for (const q of [
    [
      { _name: 'getCase', idOrName: a.caseId },
      { _name: 'page', from: 0, to: 10, extraData: extraData.get('case') ?? [] },
    ],
    [
      { _name: 'getTask', idOrName: a.taskId },
      { _name: 'page', from: 0, to: 10, extraData: extraData.get('task') ?? [] },
    ],
    [{ _name: 'listOrganisation' }],
  ]) {
    const r = await call(t, B, 'POST', '/api/v1/query', { query: q });
    if (r.text.includes(`"${orgC.name}"`) || r.text.includes(orgC.id)) named.push(`query ${JSON.stringify(q)}: ${brief(r)}`);
  }
  assert.deepEqual(named, [], 'an organisation B is not linked to is never named to B');
  const own = await call(t, a.org.admin, 'GET', `/api/v1/task/${a.taskId}/actionRequired`);
  assert.equal(own.json[orgC.name], true, `the owner sees every organisation: ${own.text}`);
  const probe = await call(t, B, 'PUT', `/api/v1/task/${a.taskId}/actionDone/${orgC.name}`);
  assert.ok(probe.status === 403 || probe.status === 404, `B cannot set the flag of org-c: ${brief(probe)}`);

  // every write route, filled with A's ids: never a 2xx; on what B sees, 403
  const problems: string[] = [];
  let refused403 = 0;
  const visibleKinds = new Set(['case', 'task', 'log', 'page', 'customEvent', 'caseAttachment', 'logAttachment']);
  for (const route of routes) {
    if (route.method === 'GET' || route.params.length === 0) continue;
    for (const v of fill(route, a, ctx) ?? []) {
      const url = v.url + (QUERIES[route.key] ?? '');
      const r = await call(t, B, route.method, url, bodyFor(route, ctx, b));
      if (r.status === 403) refused403++;
      if (r.status >= 200 && r.status < 300) problems.push(`${route.method} ${url}: ${brief(r)}`);
      else if (r.status >= 500) problems.push(`${route.method} ${url}: ${brief(r)}`);
      else if (v.kinds.every((k) => visibleKinds.has(k)) && !url.includes('/case/' + String(a.caseNumber)) && r.status !== 403 && r.status !== 400) {
        problems.push(`${route.method} ${url}: shared object, expected 403, got ${brief(r)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(refused403 > 20, `${refused403} writes refused with 403`);
  // A's case is untouched
  const kase = await call(t, a.org.admin, 'GET', `/api/v1/case/${a.caseId}`);
  assert.equal(kase.json.title, `${a.marker} case title`);
});

test('shared as analyst: B edits the case, but never does what only the owner may', async () => {
  const shares = await call(t, a.org.admin, 'GET', `/api/v1/case/${a.caseId}/shares`);
  const bShare = (shares.json as Array<{ _id: string; organisationName: string }>).find((s) => s.organisationName === b.org.name);
  assert.ok(bShare, shares.text);
  assert.equal((await call(t, a.org.admin, 'PATCH', `/api/v1/case/share/${bShare._id}`, { profile: 'analyst' })).status, 204);
  const B = b.org.admin;
  // positive control: the share profile now allows edits
  const edit = await call(t, B, 'PATCH', `/api/v1/case/${a.caseId}`, { tags: ['edited-by-b'] });
  assert.equal(edit.status, 204, edit.text);
  const attempts: Array<[string, Method, string, Record<string, unknown> | undefined]> = [
    ['delete the case', 'DELETE', `/api/v1/case/${a.caseId}`, undefined],
    ['force-delete the case', 'DELETE', `/api/v1/case/${a.caseId}/force`, undefined],
    ['share it further', 'POST', `/api/v1/case/${a.caseId}/shares`, { shares: [{ organisation: orgC.name }] }],
    ['replace the shares', 'PUT', `/api/v1/case/${a.caseId}/shares`, { shares: [{ organisation: b.org.name, profile: 'org-admin' }] }],
    ['unshare the third organisation', 'DELETE', `/api/v1/case/${a.caseId}/shares`, { organisations: [orgC.name] }],
    ['raise its own share', 'PATCH', `/api/v1/case/share/${bShare._id}`, { profile: 'org-admin' }],
    ['remove the third organisation share', 'DELETE', `/api/v1/case/share/${String(a.shareId)}`, undefined],
    ['take ownership', 'POST', `/api/v1/case/${a.caseId}/owner`, { organisation: b.org.name }],
    ['restrict the case to itself', 'POST', `/api/v1/case/${a.caseId}/access`, { access: { _kind: 'UserAccessKind', users: [B.login] } }],
    ['share the task with itself', 'POST', `/api/v1/task/${a.taskId}/shares`, { organisations: [b.org.name] }],
    ['unshare the task', 'DELETE', `/api/v1/task/${a.taskId}/shares`, { organisations: [orgC.name] }],
    ['share an unshared observable with itself', 'POST', `/api/v1/observable/${a.observableId}/shares`, { organisations: [b.org.name] }],
    ['merge it into its own case', 'POST', `/api/v1/case/_merge/${a.caseId},${b.caseId}`, undefined],
  ];
  const problems: string[] = [];
  for (const [what, method, url, body] of attempts) {
    const r = await call(t, B, method, url, body);
    if (r.status < 400 || r.status >= 500) problems.push(`${what}: ${brief(r)}`);
  }
  assert.deepEqual(problems, []);
  const still = await call(t, a.org.admin, 'GET', `/api/v1/case/${a.caseId}/shares`);
  assert.deepEqual((still.json as Array<{ organisationName: string; profileName: string }>).map((s) => `${s.organisationName}:${s.profileName}`).sort(), [
    `${b.org.name}:analyst`,
    `${orgC.name}:read-only`,
  ]);
  assert.equal((await call(t, a.org.admin, 'GET', `/api/v1/case/${a.caseId}`)).json.access._kind, 'OrganisationAccessKind');
});

test('unshared: B sees nothing of A again, through the Query API or any read route', async () => {
  const r = await call(t, a.org.admin, 'DELETE', `/api/v1/case/${a.caseId}/shares`, { organisations: [b.org.name] });
  assert.equal(r.status, 204, r.text);
  for (const who of [b.org.admin, b.org.analyst]) {
    const s = await sweep(who, new Set([a.org.id]));
    assert.deepEqual(s.problems, [], who.login);
    assert.deepEqual(
      [...s.seenA].filter((id) => id !== a.org.id),
      [],
      who.login,
    );
  }
  const problems: string[] = [];
  for (const route of routes) {
    if (route.method !== 'GET' || route.params.length === 0 || route.url.startsWith('/api/stream') || route.url.startsWith('/api/v1/organisation')) continue;
    for (const v of fill(route, a, ctx) ?? []) {
      if (v.kinds.every((k) => ['customField', 'profile', 'observableType', 'dataType', 'cortexAnalyzer', 'cortexEntityType', 'mispServer'].includes(k))) {
        continue;
      }
      const res = await call(t, b.org.admin, 'GET', v.url + (QUERIES[route.key] ?? ''));
      if (res.text.includes(a.marker)) problems.push(`GET ${v.url}: ${brief(res)}`);
      else if (
        res.status >= 200 &&
        res.status < 300 &&
        !(route.key === 'GET /api/v1/case/:id/shares' && Array.isArray(res.json) && res.json.length === 0) &&
        !route.url.includes('/cortex/responder/')
      ) {
        problems.push(`GET ${v.url}: ${brief(res)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

after(() => console.log(`query matrix: ${sources.length} sources, ${traversals.length} traversals, ${stats.requests} requests`));

test("an IOC both organisations hold: B's similarity and link views never reveal A", async () => {
  const B = b.org.admin;
  const data = `${a.marker}-observable-data`; // B happens to observe the same value
  const kase = await call(t, B, 'POST', '/api/v1/case', { title: 'b case with shared ioc', description: 'x' });
  const obs = await call(t, B, 'POST', `/api/v1/case/${String(kase.json._id)}/observable`, { dataType: 'other', data });
  assert.equal(obs.status, 201, obs.text);
  const alert = await call(t, B, 'POST', '/api/v1/alert', {
    type: 'ioc',
    source: 'b',
    sourceRef: 'shared-ioc',
    title: 'b alert',
    description: 'x',
    observables: [{ dataType: 'other', data }],
  });
  assert.equal(alert.status, 201, alert.text);
  // the other organisation also has alerts with it
  const aAlert = await call(t, a.org.admin, 'POST', '/api/v1/alert', {
    type: 'ioc',
    source: `${a.marker}-src`,
    sourceRef: 'a-shared-ioc',
    title: `${a.marker} ioc alert`,
    description: 'x',
    observables: [{ dataType: 'other', data }],
  });
  assert.equal(aAlert.status, 201, aAlert.text);
  const obsId = String(obs.json[0]._id);
  // the data itself is B's own knowledge; anything else of A must not appear
  const strip = (s: string) => s.split(data).join('');
  const reads: Array<[string, Res]> = [
    ['case links', await call(t, B, 'GET', `/api/v1/case/${String(kase.json._id)}/links`)],
    ['observable sightings', await call(t, B, 'GET', `/api/v1/observable/${obsId}/similar`)],
    [
      'alert similar cases/alerts',
      await call(t, B, 'POST', '/api/v1/query', {
        query: [
          { _name: 'getAlert', idOrName: String(alert.json._id) },
          { _name: 'page', from: 0, to: 10, extraData: extraData.get('alert') ?? [] },
        ],
      }),
    ],
    [
      'case extraData',
      await call(t, B, 'POST', '/api/v1/query', {
        query: [
          { _name: 'getCase', idOrName: String(kase.json._id) },
          { _name: 'page', from: 0, to: 10, extraData: extraData.get('case') ?? [] },
        ],
      }),
    ],
    [
      'observable extraData',
      await call(t, B, 'POST', '/api/v1/query', {
        query: [
          { _name: 'getObservable', idOrName: obsId },
          { _name: 'page', from: 0, to: 10, extraData: extraData.get('observable') ?? [] },
        ],
      }),
    ],
    [
      'observables with that data',
      await call(t, B, 'POST', '/api/v1/query', { query: [{ _name: 'listObservable' }, { _name: 'filter', _eq: { _field: 'data', _value: data } }] }),
    ],
    [
      'count of that data',
      await call(t, B, 'POST', '/api/v1/query', {
        query: [{ _name: 'listObservable' }, { _name: 'filter', _eq: { _field: 'data', _value: data } }, { _name: 'count' }],
      }),
    ],
  ];
  const problems: string[] = [];
  for (const [what, r] of reads) {
    if (r.status !== 200) problems.push(`${what}: ${brief(r)}`);
    const text = strip(r.text);
    if (text.includes(a.marker)) problems.push(`${what}: ${text.slice(Math.max(0, text.indexOf(a.marker) - 200), text.indexOf(a.marker) + 80)}`);
    for (const id of aIds) if (r.text.includes(`"${id}"`)) problems.push(`${what}: names A's ${id}`);
    if (r.text.includes(String(aAlert.json._id))) problems.push(`${what}: names A's alert`);
  }
  // positive control: for A, the same views do connect A's alert with A's case
  const own = await call(t, a.org.admin, 'POST', '/api/v1/query', {
    query: [
      { _name: 'getAlert', idOrName: String(aAlert.json._id) },
      { _name: 'page', from: 0, to: 10, extraData: ['similarCases'] },
    ],
  });
  assert.ok(own.text.includes(a.caseId), `A's alert is similar to A's case: ${own.text.slice(0, 300)}`);
  const ownSightings = await call(t, a.org.admin, 'GET', `/api/v1/observable/${a.observableId}/similar`);
  assert.ok(
    ownSightings.text.includes(String(aAlert.json._id)) || ownSightings.text.includes(a.marker),
    `A sees its own sightings: ${ownSightings.text.slice(0, 300)}`,
  );
  const count = reads.find(([w]) => w === 'count of that data')?.[1];
  assert.equal(count?.json, 2, 'B counts its own two observables only');
  assert.deepEqual(problems, []);
});
