/**
 * Shared set-up of the authorization matrices (test/authz/*.test.ts): a raw HTTP caller (JSON or
 * multipart, any credentials or none), "one of everything" planted in an organisation through
 * the HTTP API with unique marker strings, and a snapshot of an organisation's data as its own
 * admin sees it (to prove that a sweep of refused calls changed nothing).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Creds, TestOrg, TestWaggle } from '../../packages/server/src/test/support.js';
import { multipartBody, type Part } from '../../packages/server/src/http/routes/attachment/test-helpers.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A multipart body: the parts, as Python `requests` sends them. */
export interface Multipart {
  multipart: Part[];
}
export type Body = Multipart | Record<string, unknown> | undefined;

export interface Res {
  status: number;
  /** Parsed JSON when the body is JSON. */
  json: any; // tests read arbitrary JSON
  text: string;
  bytes: Buffer;
}

const isMultipart = (b: Body): b is Multipart => typeof b === 'object' && b !== null && Array.isArray((b as Multipart).multipart);

/** Credentials, an API key (valid or not), or nothing. */
export type Caller = Creds | { bearer: string } | undefined;

export function authHeaders(creds: Caller): Record<string, string> {
  if (!creds) return {};
  if ('bearer' in creds) return { authorization: `Bearer ${creds.bearer}` };
  return {
    authorization: `Basic ${Buffer.from(`${creds.login}:${creds.password}`).toString('base64')}`,
    ...(creds.org ? { 'x-organisation': creds.org } : {}),
  };
}

/** Requests made through `call` in this process (for the coverage summaries). */
export const stats = { requests: 0 };

/** One request through `app.inject`; `creds` undefined sends no credentials at all. */
export async function call(t: TestWaggle, creds: Caller, method: Method, url: string, body?: Body): Promise<Res> {
  const headers: Record<string, string> = authHeaders(creds);
  let payload: string | Buffer | undefined;
  if (isMultipart(body)) {
    const m = multipartBody(body.multipart);
    headers['content-type'] = m.contentType;
    payload = m.payload;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  stats.requests++;
  const r = await t.running.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  let json: unknown;
  try {
    json = r.body ? JSON.parse(r.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, json, text: r.body, bytes: r.rawPayload };
}

async function ok(
  t: TestWaggle,
  creds: Creds | undefined,
  method: Method,
  url: string,
  body?: Body,
  statuses: readonly number[] = [200, 201, 204],
): Promise<Res> {
  const r = await call(t, creds, method, url, body);
  assert.ok(statuses.includes(r.status), `${method} ${url}: ${r.status} ${r.text}`);
  return r;
}

/** Everything planted in one organisation. Every text an outsider must not read contains `marker`. */
export interface Planted {
  org: TestOrg;
  marker: string;
  caseId: string;
  caseNumber: number;
  case2Id: string;
  taskId: string;
  logId: string;
  logAttachmentId: string;
  observableId: string;
  fileObservableId: string;
  fileObservableAttachmentId: string;
  fileSha256: string;
  commentId: string;
  pageId: string;
  procedureId: string;
  customEventId: string;
  caseAttachmentId: string;
  caseCustomFieldValueId: string;
  caseTemplateId: string;
  /** The template's name holds no marker (only its content does), so that it can be sent by others. */
  caseTemplateName: string;
  pageTemplateId: string;
  alertId: string;
  alertObservableId: string;
  alertCommentId: string;
  alertProcedureId: string;
  alertAttachmentId: string;
  /** An alert merged into `caseId`. */
  mergedAlertId: string;
  orgAttachmentId: string;
  /** The share of `caseId` with the third organisation, if any. */
  shareId?: string;
  /** A shared dashboard of the organisation (title and a text widget carry the marker). */
  dashboardId: string;
  /** A long-poll stream opened by the org-admin. */
  streamId: string;
  /** The API key of the analyst (a secret as much as the markers). */
  analystKey: string;
  /** An analysis job on `observableId`, when the Cortex connector is enabled. */
  cortexJobId?: string;
}

/** Global (platform) objects made by the platform administrator; they carry no marker. */
export interface Globals {
  customFieldName: string;
  customFieldId: string;
  profileName: string;
  observableTypeName: string;
}

export async function plantGlobals(t: TestWaggle): Promise<Globals> {
  const customFieldName = 'authzcf';
  const f = await t.admin.post('/api/v1/customField', { name: customFieldName, group: 'authz', description: 'authz matrix', type: 'string' });
  assert.equal(f.status, 201, f.text);
  const p = await t.admin.post('/api/v1/profile', { name: 'authz-profile', permissions: ['manageCase/update'] });
  assert.equal(p.status, 201, p.text);
  const ot = await t.admin.post('/api/v1/observable/type', { name: 'authz-type' });
  assert.equal(ot.status, 201, ot.text);
  return { customFieldName, customFieldId: f.body._id, profileName: 'authz-profile', observableTypeName: 'authz-type' };
}

export const newMarker = (tag: string): string => `zq${tag}${randomBytes(6).toString('hex')}`;

const file = (name: string, content: string, field = 'attachments'): Part => ({ name: field, filename: name, contentType: 'text/plain', content });

/**
 * Plants one of everything in `org` as its org-admin, every text carrying `marker`. `dummyCases`
 * cases are made first, so that the case number of `caseId` is one the other organisation lacks.
 * `shareWith` (a linked organisation) receives a share of `caseId` and of its task.
 */
export async function plant(t: TestWaggle, org: TestOrg, g: Globals, opts: { marker: string; dummyCases?: number; shareWith?: string }): Promise<Planted> {
  const m = opts.marker;
  const c = org.admin;
  for (let i = 0; i < (opts.dummyCases ?? 0); i++) await ok(t, c, 'POST', '/api/v1/case', { title: `${m} dummy ${i}`, description: m });
  const pt = await ok(t, c, 'POST', '/api/v1/pageTemplate', { title: `${m} page template`, content: `${m} page template content`, category: 'authz' });
  const caseTemplateName = `tpl-${randomBytes(5).toString('hex')}`;
  const ct = await ok(t, c, 'POST', '/api/v1/caseTemplate', {
    name: caseTemplateName,
    displayName: `${m} template`,
    titlePrefix: `${m}-prefix`,
    description: `${m} template description`,
    tasks: [{ title: `${m} template task` }],
    pageTemplateIds: [pt.json._id],
  });
  const kase = await ok(t, c, 'POST', '/api/v1/case', {
    title: `${m} case title`,
    description: `${m} case description`,
    tags: [`${m}-tag`],
    customFields: { [g.customFieldName]: `${m} custom field value` },
  });
  const case2 = await ok(t, c, 'POST', '/api/v1/case', { title: `${m} second case`, description: `${m} second description` });
  const caseId = String(kase.json._id);
  const task = await ok(t, c, 'POST', `/api/v1/case/${caseId}/task`, { title: `${m} task`, description: `${m} task description` });
  const taskId = String(task.json._id);
  const log = await ok(t, c, 'POST', `/api/v1/task/${taskId}/log`, {
    multipart: [{ name: '_json', filename: '_json', content: JSON.stringify({ message: `${m} log message` }) }, file(`${m}-log.txt`, `${m} log file content`)],
  });
  const obs = await ok(t, c, 'POST', `/api/v1/case/${caseId}/observable`, {
    dataType: 'other',
    data: `${m}-observable-data`,
    message: `${m} observable message`,
  });
  const fileObs = await ok(t, c, 'POST', `/api/v1/case/${caseId}/observable`, {
    multipart: [
      { name: '_json', content: JSON.stringify({ dataType: 'file', message: `${m} file observable` }) },
      file(`${m}-malware.txt`, `${m} file observable content`, 'attachment'),
    ],
  });
  const comment = await ok(t, c, 'POST', `/api/v1/case/${caseId}/comment`, { message: `${m} comment` });
  const page = await ok(t, c, 'POST', `/api/v1/case/${caseId}/page`, { title: `${m} page`, content: `${m} page content`, category: 'authz' });
  const proc = await ok(t, c, 'POST', `/api/v1/case/${caseId}/procedure`, {
    occurDate: 1_700_000_000_000,
    patternId: 'T1059',
    tactic: 'execution',
    description: `${m} procedure`,
  });
  const ev = await ok(t, c, 'POST', `/api/v1/case/${caseId}/customEvent`, {
    date: 1_700_000_000_000,
    title: `${m} custom event`,
    description: `${m} event description`,
  });
  const catt = await ok(t, c, 'POST', `/api/v1/case/${caseId}/attachments`, { multipart: [file(`${m}-case.txt`, `${m} case attachment content`)] });
  await ok(t, c, 'POST', `/api/v1/case/${caseId}/link/case/add`, { type: `${m}-linktype`, caseId: String(case2.json._id) });
  await ok(t, c, 'POST', `/api/v1/case/${caseId}/link/external/add`, { type: `${m}-urltype`, url: `https://${m}.example/link` });

  const alert = await ok(t, c, 'POST', '/api/v1/alert', {
    type: 'authz',
    source: `${m}-source`,
    sourceRef: `${m}-ref`,
    title: `${m} alert`,
    description: `${m} alert description`,
    observables: [{ dataType: 'other', data: `${m}-alert-observable` }],
    procedures: [{ occurDate: 1_700_000_000_000, patternId: 'T1059', description: `${m} alert procedure` }],
  });
  const alertId = String(alert.json._id);
  const alertObs = await ok(t, c, 'POST', '/api/v1/query', { query: [{ _name: 'getAlert', idOrName: alertId }, { _name: 'observables' }] });
  const alertProcs = await ok(t, c, 'POST', '/api/v1/query', { query: [{ _name: 'getAlert', idOrName: alertId }, { _name: 'procedures' }] });
  const alertComment = await ok(t, c, 'POST', `/api/v1/alert/${alertId}/comment`, { message: `${m} alert comment` });
  const alertAtt = await ok(t, c, 'POST', `/api/v1/alert/${alertId}/attachments`, {
    multipart: [{ name: 'canRename', content: 'True' }, file(`${m}-alert.txt`, `${m} alert attachment content`)],
  });
  const merged = await ok(t, c, 'POST', '/api/v1/alert', {
    type: 'authz',
    source: `${m}-source`,
    sourceRef: `${m}-merged`,
    title: `${m} merged alert`,
    description: m,
  });
  await ok(t, c, 'POST', `/api/v1/alert/${String(merged.json._id)}/merge/${caseId}`);
  const oatt = await ok(t, c, 'POST', '/api/v1/attachment', {
    multipart: [{ name: 'canRename', content: 'True' }, file(`${m}-org.txt`, `${m} organisation attachment content`)],
  });

  let shareId: string | undefined;
  if (opts.shareWith) {
    const sh = await ok(t, c, 'POST', `/api/v1/case/${caseId}/shares`, { shares: [{ organisation: opts.shareWith, profile: 'read-only' }] });
    shareId = String((sh.json as Array<{ _id: string; organisationName: string }>).find((s) => s.organisationName === opts.shareWith)?._id);
    await ok(t, c, 'POST', `/api/v1/task/${taskId}/shares`, { organisations: [opts.shareWith] });
  }
  const dash = await ok(t, c, 'POST', '/api/v1/dashboard', {
    title: `${m} dashboard`,
    status: 'Shared',
    definition: {
      widgets: [
        { id: 'n', type: 'counter', entity: 'case', aggregation: { kind: 'count' }, layout: { x: 0, y: 0, w: 3, h: 2 } },
        { id: 't', type: 'text', markdown: `${m} dashboard notes`, layout: { x: 3, y: 0, w: 3, h: 2 } },
      ],
    },
  });
  const stream = await ok(t, c, 'POST', '/api/stream');
  const key = await ok(t, c, 'POST', `/api/v1/user/${encodeURIComponent(org.analyst.login)}/key/renew`);
  // the connector records a job even when no engine knows the analyzer (reference §2.7)
  const job = await call(t, c, 'POST', '/api/connector/cortex/job', { analyzerId: 'authz-analyzer', cortexId: 'authz', artifactId: String(obs.json[0]._id) });

  const fileAtt = fileObs.json[0].attachment as { _id: string; id: string };
  return {
    org,
    marker: m,
    caseId,
    caseNumber: Number(kase.json.number),
    case2Id: String(case2.json._id),
    taskId,
    logId: String(log.json._id),
    logAttachmentId: String(log.json.attachments[0]._id),
    observableId: String(obs.json[0]._id),
    fileObservableId: String(fileObs.json[0]._id),
    fileObservableAttachmentId: fileAtt._id,
    fileSha256: fileAtt.id,
    commentId: String(comment.json._id),
    pageId: String(page.json._id),
    procedureId: String(proc.json._id),
    customEventId: String(ev.json._id),
    caseAttachmentId: String(catt.json.attachments[0]._id),
    caseCustomFieldValueId: String((kase.json.customFields as Array<{ _id: string }>)[0]?._id),
    caseTemplateId: String(ct.json._id),
    caseTemplateName,
    pageTemplateId: String(pt.json._id),
    alertId,
    alertObservableId: String(alertObs.json[0]._id),
    alertCommentId: String(alertComment.json._id),
    alertProcedureId: String(alertProcs.json[0]._id),
    alertAttachmentId: String(alertAtt.json.attachments[0]._id),
    mergedAlertId: String(merged.json._id),
    orgAttachmentId: String(oatt.json.attachments[0]._id),
    ...(shareId ? { shareId } : {}),
    dashboardId: String(dash.json._id),
    streamId: stream.text,
    analystKey: key.text,
    ...(job.status === 201 ? { cortexJobId: String(job.json._id) } : {}),
  };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Everything of `p.org` its own org-admin can read, as one comparable object: entities by GET and
 * by the Query API (with children, links, shares, timeline), users, the organisation, and the
 * content hash of every file.
 */
export async function snapshot(t: TestWaggle, p: Planted): Promise<Record<string, unknown>> {
  const c = p.org.admin;
  const out: Record<string, unknown> = {};
  const get = async (url: string) => {
    const r = await call(t, c, 'GET', url);
    out[`GET ${url}`] = { status: r.status, body: r.json ?? sha(r.bytes) };
  };
  const query = async (label: string, q: unknown[]) => {
    const r = await call(t, c, 'POST', '/api/v1/query', { query: q });
    out[`query ${label}`] = { status: r.status, body: r.json };
  };
  for (const id of [p.caseId, p.case2Id]) {
    await get(`/api/v1/case/${id}`);
    await get(`/api/v1/case/${id}/timeline`);
    await get(`/api/v1/case/${id}/shares`);
    await get(`/api/v1/case/${id}/links`);
    for (const child of ['tasks', 'observables', 'procedures', 'pages', 'attachments', 'comments', 'alerts']) {
      await query(`${id} ${child}`, [{ _name: 'getCase', idOrName: id }, { _name: child }]);
    }
    await query(`${id} links`, [
      { _name: 'getCase', idOrName: id },
      { _name: 'page', from: 0, to: 10, extraData: ['links'] },
    ]);
  }
  await get(`/api/v1/task/${p.taskId}`);
  await get(`/api/v1/task/${p.taskId}/shares`);
  await get(`/api/v1/task/${p.taskId}/actionRequired`);
  await query('task logs', [{ _name: 'getTask', idOrName: p.taskId }, { _name: 'logs' }]);
  for (const id of [p.observableId, p.fileObservableId, p.alertObservableId]) await get(`/api/v1/observable/${id}`);
  for (const id of [p.procedureId, p.alertProcedureId]) await get(`/api/v1/procedure/${id}`);
  await get(`/api/v1/caseTemplate/${p.caseTemplateId}`);
  await get(`/api/v1/pageTemplate/${p.pageTemplateId}`);
  await get(`/api/v1/dashboard/${p.dashboardId}`);
  for (const id of [p.alertId, p.mergedAlertId]) {
    await get(`/api/v1/alert/${id}`);
    for (const child of ['observables', 'comments', 'procedures', 'attachments', 'case']) {
      await query(`${id} ${child}`, [{ _name: 'getAlert', idOrName: id }, { _name: child }]);
    }
  }
  await query('organisation attachments', [{ _name: 'getOrganisation', idOrName: p.org.name }, { _name: 'attachments' }]);
  for (const source of [
    'listCase',
    'listAlert',
    'listTask',
    'listObservable',
    'listLog',
    'listComment',
    'listProcedure',
    'listCaseTemplate',
    'listPageTemplate',
    'listDashboard',
    'listUser',
  ]) {
    await query(source, [{ _name: source }, { _name: 'sort', _fields: [{ _createdAt: 'asc' }] }]);
  }
  await get(`/api/v1/organisation/${p.org.name}`);
  await get(`/api/v1/organisation/${p.org.name}/links`);
  for (const u of [p.org.admin, p.org.analyst, p.org.readonly]) await get(`/api/v1/user/${u.login}`);
  for (const url of [
    `/api/v1/attachment/${p.orgAttachmentId}/download`,
    `/api/v1/attachment/${p.caseAttachmentId}/download`,
    `/api/v1/attachment/${p.logAttachmentId}/download`,
    `/api/v1/attachment/${p.alertAttachmentId}/download`,
    `/api/v1/observable/${p.fileObservableId}/attachment/${p.fileObservableAttachmentId}/download`,
  ]) {
    await get(url);
  }
  const failed = Object.entries(out).filter(([, v]) => (v as { status: number }).status !== 200);
  assert.deepEqual(failed, [], 'the snapshot reads every planted object');
  return out;
}
