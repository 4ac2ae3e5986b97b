/**
 * The route table of the authorization matrices: every route the server registers (from
 * GET /api/openapi.json), how to fill each path parameter with an organisation's planted ids of
 * the matching kind, and a valid body per route (so that a refusal comes from authorization,
 * not from validation). Teach `kindOf`/`valuesOf`/`BODIES` about new routes here.
 */
import assert from 'node:assert/strict';
import type { TestOrg, TestWaggle } from '../../packages/server/src/test/support.js';
import { call, type Body, type Globals, type Method, type Planted } from './fixture.js';

export interface Route {
  method: Method;
  /** Fastify form: /api/v1/case/:id */
  url: string;
  params: string[];
  key: string;
}

/** Every registered route, reads first and deletions last. */
export async function routeTable(t: TestWaggle): Promise<Route[]> {
  const r = await call(t, undefined, 'GET', '/api/openapi.json');
  assert.equal(r.status, 200, r.text);
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(r.json.paths as Record<string, Record<string, unknown>>)) {
    const url = path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
    const params = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
    for (const m of Object.keys(ops)) {
      const method = m.toUpperCase() as Method;
      out.push({ method, url, params, key: `${method} ${url}` });
    }
  }
  // reads first, deletions last: a wrongly allowed deletion must not hide later findings
  const rank = (m: Method) => ({ GET: 0, POST: 1, PUT: 2, PATCH: 3, DELETE: 4 })[m];
  return out.sort((x, y) => rank(x.method) - rank(y.method) || x.url.localeCompare(y.url));
}

// ---------------------------------------------------------------------------------------------
// Parameter kinds and values
// ---------------------------------------------------------------------------------------------

/** Kinds of platform-wide objects: every organisation may read them, only platform admins change them. */
export const GLOBAL_KINDS = new Set(['customField', 'profile', 'observableType', 'mispServer', 'dataType', 'cortexAnalyzer', 'cortexEntityType']);

/** The kind of object the parameter `name` at `segIndex` names, from the path around it. */
export function kindOf(segments: string[], segIndex: number, name: string, prevKind: string | undefined): string | undefined {
  const prev = segments[segIndex - 1] ?? '';
  if (name === 'attachmentId') return prevKind ? `${prevKind}Attachment` : undefined;
  if (name === 'pageId') return 'page';
  if (name === 'server') return 'mispServer';
  if (name === 'org' || prev === 'link') return 'organisation';
  if (name === 'other' || name === 'otherId') return prev === 'similar' ? 'caseOrAlert' : undefined;
  if (name === 'caseId') return 'case';
  if (name === 'alertId') return 'alert';
  if (prev === '_merge') return 'caseList';
  if (prev === 'share') return 'share';
  if (prev === 'stream') return 'stream';
  if (prev === 'type' && segments.includes('observable')) return 'observableType';
  if (segments.includes('cortex')) {
    if (name === 'dataType') return 'dataType';
    if (prev === 'analyzer') return 'cortexAnalyzer';
    if (prev === 'job') return 'cortexJob';
    if (name === 'entityType') return 'cortexEntityType';
    if (name === 'entityId') return prevKind === 'cortexEntityType' ? 'case' : undefined;
  }
  if (prev === 'customField') return segments[segIndex - 2] === 'case' ? 'caseCustomFieldValue' : 'customField';
  const byCollection: Record<string, string> = {
    case: 'case',
    task: 'task',
    log: 'log',
    comment: 'comment',
    customEvent: 'customEvent',
    observable: 'observable',
    attachment: 'attachment',
    caseTemplate: 'caseTemplate',
    pageTemplate: 'pageTemplate',
    dashboard: 'dashboard',
    procedure: 'procedure',
    alert: 'alert',
    user: 'user',
    organisation: 'organisation',
    profile: 'profile',
  };
  return byCollection[prev];
}

export interface Ctx {
  a: Planted;
  b: Planted;
  g: Globals;
  /** The third organisation, linked with A, that A shares its case with. */
  c: TestOrg;
  ids: Map<string, string>;
}

/** The values of a kind in organisation `p` (several ways to name the same kind of object). */
export function valuesOf(kind: string, p: Planted, ctx: Ctx): string[] {
  const g = ctx.g;
  switch (kind) {
    case 'case':
      return [p.caseId, String(p.caseNumber)];
    case 'caseList':
      return [`${p.caseId},${p.case2Id}`];
    case 'caseOrAlert':
      return [p.case2Id, p.alertId];
    case 'task':
      return [p.taskId];
    case 'log':
      return [p.logId];
    case 'logAttachment':
      return [p.logAttachmentId];
    case 'comment':
      return [p.commentId, p.alertCommentId];
    case 'customEvent':
      return [p.customEventId];
    case 'observable':
      return [p.observableId, p.fileObservableId, p.alertObservableId];
    case 'observableAttachment':
      return [p.fileObservableAttachmentId, p.fileSha256];
    case 'caseAttachment':
      return [p.caseAttachmentId];
    case 'alertAttachment':
      return [p.alertAttachmentId];
    case 'attachment':
      return [p.orgAttachmentId, p.caseAttachmentId, p.logAttachmentId, p.alertAttachmentId, p.fileObservableAttachmentId];
    case 'caseTemplate':
      return [p.caseTemplateId, p.caseTemplateName];
    case 'pageTemplate':
      return [p.pageTemplateId];
    case 'dashboard':
      return [p.dashboardId];
    case 'procedure':
      return [p.procedureId, p.alertProcedureId];
    case 'alert':
      return [p.alertId, p.mergedAlertId];
    case 'page':
      return [p.pageId];
    case 'share':
      return p.shareId ? [p.shareId] : [];
    case 'caseCustomFieldValue':
      return [p.caseCustomFieldValueId];
    case 'stream':
      return [p.streamId];
    case 'user':
      return [p.org.analyst.login, ctx.ids.get(p.org.analyst.login) ?? ''].filter(Boolean);
    case 'organisation':
      return [p.org.name, p.org.id];
    case 'customField':
      return [g.customFieldId, g.customFieldName];
    case 'profile':
      return [g.profileName];
    case 'observableType':
      return [g.observableTypeName];
    case 'mispServer':
      return ['misp'];
    case 'dataType':
      return ['other'];
    case 'cortexAnalyzer':
      return ['authz-analyzer'];
    case 'cortexEntityType':
      return ['case'];
    case 'cortexJob':
      return p.cortexJobId ? [p.cortexJobId] : [];
    default:
      return [];
  }
}

export interface Filled {
  url: string;
  kinds: string[];
  /** Which parameter positions hold B's value (mixed variants). */
  mixed?: number;
}

/** Every way to fill the route's parameters with `p`'s values; `undefined` when a kind is unknown. */
/**
 * The values of a kind that are data of `p`'s cases (what a case access restriction hides),
 * platform-wide values for platform kinds, or undefined for kinds outside cases (alerts, templates...).
 */
export function caseDataValues(kind: string, p: Planted, ctx: Ctx): string[] | undefined {
  if (GLOBAL_KINDS.has(kind)) return valuesOf(kind, p, ctx);
  switch (kind) {
    case 'case':
    case 'caseList':
    case 'task':
    case 'log':
    case 'logAttachment':
    case 'customEvent':
    case 'observableAttachment':
    case 'caseAttachment':
    case 'page':
    case 'caseCustomFieldValue':
    case 'cortexJob':
      return valuesOf(kind, p, ctx);
    case 'caseOrAlert':
      return [p.case2Id];
    case 'comment':
      return [p.commentId];
    case 'observable':
      return [p.observableId, p.fileObservableId];
    case 'attachment':
      return [p.caseAttachmentId, p.logAttachmentId, p.fileObservableAttachmentId];
    case 'procedure':
      return [p.procedureId];
    default:
      return undefined;
  }
}

export function fill(route: Route, p: Planted, ctx: Ctx, own?: { index: number; from: Planted }, only?: typeof caseDataValues): Filled[] | undefined {
  const segments = route.url.split('/');
  const kinds: string[] = [];
  let prevKind: string | undefined;
  for (const [i, seg] of segments.entries()) {
    if (!seg.startsWith(':')) continue;
    const kind = kindOf(segments, i, seg.slice(1), prevKind);
    if (!kind) return undefined;
    kinds.push(kind);
    prevKind = kind;
  }
  const choices = kinds.map((k, i) => {
    if (own && own.index === i) return k === 'caseList' ? [`${own.from.caseId},${p.caseId}`] : valuesOf(k, own.from, ctx).slice(0, 1);
    return only ? (only(k, p, ctx) ?? []) : valuesOf(k, p, ctx);
  });
  if (choices.some((c) => c.length === 0)) return undefined;
  const out: Filled[] = [];
  const walk = (i: number, acc: string[]) => {
    if (i === choices.length) {
      let n = 0;
      const url = segments.map((s) => (s.startsWith(':') ? encodeURIComponent(acc[n++] ?? '').replace(/%2C/g, ',') : s)).join('/');
      out.push({ url, kinds, ...(own ? { mixed: own.index } : {}) });
      return;
    }
    for (const v of choices[i] ?? []) walk(i + 1, [...acc, v]);
  };
  walk(0, []);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bodies: valid for the route, so that a refusal comes from authorization
// ---------------------------------------------------------------------------------------------

const txt = (name: string, field = 'attachments') => ({ name: field, filename: name, contentType: 'text/plain', content: 'intruder file' });

/** `self` is the caller's own organisation (B for org B, A for A's read-only user). */
export type BodyOf = (ctx: Ctx, self: Planted) => Body;
export const BODIES: Record<string, BodyOf> = {
  'POST /api/v1/login': () => ({ user: 'nobody', password: 'x' }),
  'POST /api/login': () => ({ user: 'nobody', password: 'x' }),
  'POST /api/v1/query': () => ({ query: [{ _name: 'listCase' }] }),
  'POST /api/v1/user': () => ({ login: 'intruder@authz', name: 'intruder', profile: 'read-only', password: 'secret' }),
  'PATCH /api/v1/user/:id': () => ({ name: 'pwned' }),
  'PUT /api/v1/user/:id/organisations': (c) => ({ organisations: [{ organisation: c.b.org.name, profile: 'analyst' }] }),
  'POST /api/v1/user/:id/password/set': () => ({ password: 'pwned-password' }),
  'POST /api/v1/user/:id/password/change': () => ({ password: 'pwned-password', currentPassword: 'secret' }),
  'POST /api/v1/organisation': () => ({ name: 'intruder-org', description: 'x' }),
  'PATCH /api/v1/organisation/:id': () => ({ description: 'pwned' }),
  'PUT /api/v1/organisation/:id/link/:other': () => ({}),
  'PUT /api/v1/organisation/:id/links': () => ({ links: [] }),
  'POST /api/v1/profile': () => ({ name: 'intruder-profile', permissions: [] }),
  'PATCH /api/v1/profile/:id': () => ({ permissions: ['manageOrganisation'] }),
  'POST /api/v1/case': () => ({ title: 'intruder', description: 'x' }),
  'PATCH /api/v1/case/:id': () => ({ title: 'pwned' }),
  'PATCH /api/v1/case/_bulk': (c) => ({ ids: [c.a.caseId], title: 'pwned' }),
  'POST /api/v1/case/:id/task': () => ({ title: 'pwned' }),
  'PATCH /api/v1/task/_bulk': (c) => ({ ids: [c.a.taskId], title: 'pwned' }),
  'PATCH /api/v1/task/:id': () => ({ title: 'pwned' }),
  'POST /api/v1/task/:id/log': () => ({ message: 'pwned' }),
  'PATCH /api/v1/log/:id': () => ({ message: 'pwned' }),
  'POST /api/v1/log/:id/attachments': () => ({ multipart: [txt('pwned.txt')] }),
  'POST /api/v1/case/:id/comment': () => ({ message: 'pwned' }),
  'PATCH /api/v1/comment/:id': () => ({ message: 'pwned' }),
  'POST /api/v1/case/:id/customEvent': () => ({ date: 1, title: 'pwned' }),
  'PATCH /api/v1/customEvent/:id': () => ({ title: 'pwned' }),
  'POST /api/v1/observable/type': () => ({ name: 'intruder-type' }),
  'POST /api/v1/case/:caseId/observable': () => ({ dataType: 'other', data: 'pwned' }),
  'PATCH /api/v1/observable/:id': () => ({ message: 'pwned' }),
  'PATCH /api/v1/observable/_bulk': (c) => ({ ids: [c.a.observableId], message: 'pwned' }),
  'POST /api/v1/case/:caseId/attachments': () => ({ multipart: [txt('pwned.txt')] }),
  'POST /api/v1/attachment': () => ({ multipart: [{ name: 'canRename', content: 'True' }, txt('pwned.txt')] }),
  'POST /api/v1/case/:id/shares': (c) => ({ shares: [{ organisation: c.b.org.name, profile: 'analyst' }] }),
  'PUT /api/v1/case/:id/shares': (c) => ({ shares: [{ organisation: c.b.org.name, profile: 'analyst' }] }),
  'DELETE /api/v1/case/:id/shares': (c) => ({ organisations: [c.c.name] }),
  'PATCH /api/v1/case/share/:id': () => ({ profile: 'analyst' }),
  'POST /api/v1/task/:id/shares': (c) => ({ organisations: [c.b.org.name] }),
  'DELETE /api/v1/task/:id/shares': (c) => ({ organisations: [c.c.name] }),
  'POST /api/v1/observable/:id/shares': (c) => ({ organisations: [c.b.org.name] }),
  'DELETE /api/v1/observable/:id/shares': (c) => ({ organisations: [c.c.name] }),
  'POST /api/v1/case/:id/owner': (c) => ({ organisation: c.b.org.name }),
  'POST /api/v1/case/:id/access': (c) => ({ access: { _kind: 'UserAccessKind', users: [c.a.org.analyst.login] } }),
  'POST /api/v1/case/:id/link/case/add': (c) => ({ type: 'pwned', caseId: c.a.case2Id }),
  'POST /api/v1/case/:id/link/case/remove': (c) => ({ type: `${c.a.marker}-linktype`, caseId: c.a.case2Id }),
  'POST /api/v1/case/:id/link/external/add': () => ({ type: 'pwned', url: 'https://pwned.example/' }),
  'POST /api/v1/case/:id/link/external/remove': (c) => ({ type: `${c.a.marker}-urltype`, url: `https://${c.a.marker}.example/link` }),
  'POST /api/v1/case/import': () => ({ multipart: [{ name: '_json', content: JSON.stringify({ password: 'x' }) }, txt('case.thar', 'file')] }),
  'POST /api/v1/connector/misp/case/import': () => ({ multipart: [{ name: '_json', content: '{}' }, txt('event.json', 'file')] }),
  'POST /api/v1/customField': () => ({ name: 'intrudercf', group: 'x', description: 'x', type: 'string' }),
  'PATCH /api/v1/customField/:id': () => ({ description: 'pwned' }),
  'POST /api/v1/caseTemplate': () => ({ name: 'intruder-template' }),
  'POST /api/v1/caseTemplate/_import': () => ({ format: 'waggle.caseTemplate', version: 1, caseTemplate: { name: 'intruder-import' } }),
  'PATCH /api/v1/caseTemplate/:id': () => ({ description: 'pwned' }),
  'PUT /api/v1/caseTemplate/:id/pageTemplate/link': () => ({ pageTemplateIds: [] }),
  'POST /api/v1/case/_bulk/caseTemplate': (c, self) => ({ ids: [c.a.caseId], caseTemplate: self.caseTemplateName }),
  'POST /api/v1/pageTemplate': () => ({ title: 'intruder', content: 'x', category: 'x' }),
  'PATCH /api/v1/pageTemplate/:id': () => ({ title: 'pwned' }),
  'POST /api/v1/dashboard': () => ({ title: 'intruder', status: 'Shared' }),
  'POST /api/v1/dashboard/_import': () => ({ format: 'waggle-dashboard', version: 1, title: 'intruder', status: 'Shared', definition: { widgets: [] } }),
  'POST /api/v1/dashboard/stats': () => ({ entity: 'case', period: 'all', aggregation: { kind: 'terms', field: 'title', size: 1000 } }),
  'PATCH /api/v1/dashboard/:id': () => ({ title: 'pwned', status: 'Private' }),
  'POST /api/v1/case/:id/page': () => ({ title: 'pwned', content: 'pwned', category: 'pwned' }),
  'PATCH /api/v1/case/:id/page/:pageId': () => ({ title: 'pwned' }),
  'POST /api/v1/case/:id/procedure': () => ({ occurDate: 1, patternId: 'T1059' }),
  'POST /api/v1/case/:id/procedures': () => ({ procedures: [{ occurDate: 1, patternId: 'T1059' }] }),
  'POST /api/v1/procedure/delete/_bulk': (c) => ({ ids: [c.a.procedureId] }),
  'PATCH /api/v1/procedure/:id': () => ({ description: 'pwned' }),
  'POST /api/v1/alert': () => ({ type: 'intruder', source: 'intruder', sourceRef: 'intruder', title: 'intruder', description: 'x' }),
  'PATCH /api/v1/alert/:id': () => ({ title: 'pwned' }),
  'PATCH /api/v1/alert/_bulk': (c) => ({ ids: [c.a.alertId], title: 'pwned' }),
  'POST /api/v1/alert/delete/_bulk': (c) => ({ ids: [c.a.alertId] }),
  'POST /api/v1/alert/:id/case': () => ({}),
  'POST /api/v1/alert/merge/_bulk': (c) => ({ caseId: c.a.caseId, alertIds: [c.a.alertId] }),
  'POST /api/v1/alert/:id/observable': () => ({ dataType: 'other', data: 'pwned' }),
  'POST /api/v1/alert/:id/comment': () => ({ message: 'pwned' }),
  'POST /api/v1/alert/:id/procedure': () => ({ occurDate: 1, patternId: 'T1059' }),
  'POST /api/v1/alert/:id/procedures': () => ({ procedures: [{ occurDate: 1, patternId: 'T1059' }] }),
  'POST /api/connector/cortex/job': (c) => ({ analyzerId: 'authz-analyzer', cortexId: 'authz', artifactId: c.a.observableId }),
  'POST /api/v1/connector/cortex/job/_bulk': (c) => ({ jobs: [{ analyzerId: 'authz-analyzer', cortexId: 'authz', artifactId: c.a.observableId }] }),
  'POST /api/connector/cortex/action': (c) => ({ responderId: 'authz-responder', cortexId: 'authz', objectType: 'case', objectId: c.a.caseId }),
  'POST /api/v1/alert/:id/attachments': () => ({ multipart: [{ name: 'canRename', content: 'True' }, txt('pwned.txt')] }),
};

/** Query strings a route needs to pass validation. */
export const QUERIES: Record<string, string> = {
  'GET /api/v1/case/:id/export': '?password=secret',
};

/** Routes without path parameters whose body names A's objects: org B must be refused. */
export const BODY_REFERENCES_A = new Set([
  ...Object.keys(BODIES).filter((k) => /_bulk/.test(k)),
  'POST /api/connector/cortex/job',
  'POST /api/connector/cortex/action',
]);

export const bodyFor = (route: Route, ctx: Ctx, self: Planted = ctx.a): Body => {
  const f = BODIES[route.key];
  if (f) return f(ctx, self);
  return route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
};
