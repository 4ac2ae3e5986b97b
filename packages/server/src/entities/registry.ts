/**
 * The entity registry: every persistent type, its fields and how they are stored.
 * Storage adapters generate their schema from it (typed columns and indexes for `indexed`
 * fields, side tables for multi-valued ones), and the Query API uses it to validate fields.
 */

export type FieldType =
  | 'string'
  | 'text'
  | 'integer'
  | 'float'
  | 'boolean'
  | 'date'
  | 'string[]'
  | 'json'
  /** Custom field values: `[{name, type, value, order}]`, queried as `customFields.<name>`. */
  | 'customFields';

export interface FieldDef {
  type: FieldType;
  /** Gets a typed, indexed column (filters and sorts on it are fast). */
  indexed?: boolean;
  /** Never queryable or sortable through the Query API (secrets, internal state). */
  internal?: boolean;
}

export interface EntityDef {
  /** Store name, e.g. `case`. */
  name: string;
  /** TheHive `_type` in API output, e.g. `Case`. */
  apiType: string;
  fields: Record<string, FieldDef>;
  /** Parent relation names this type may carry in `_parents` (e.g. `case`, `task`). */
  parents: readonly string[];
  /**
   * System fields that get no index for this type (still queryable, from the document). Every
   * index costs each insert a b-tree update: high-volume types keep only those queries need.
   */
  unindexedSystemFields?: readonly string[];
}

/** System fields every type has and that may be queried. */
export const SYSTEM_FIELDS: Record<string, FieldDef> = {
  _id: { type: 'string', indexed: true },
  _createdAt: { type: 'date', indexed: true },
  _createdBy: { type: 'string', indexed: true },
  _updatedAt: { type: 'date', indexed: true },
  _updatedBy: { type: 'string' },
};

const s = (indexed = false): FieldDef => ({ type: 'string', indexed });
const t = (): FieldDef => ({ type: 'text' });
const i = (indexed = false): FieldDef => ({ type: 'integer', indexed });
const d = (indexed = false): FieldDef => ({ type: 'date', indexed });
const b = (indexed = false): FieldDef => ({ type: 'boolean', indexed });
const j = (): FieldDef => ({ type: 'json' });
const tags = (): FieldDef => ({ type: 'string[]' });
const internal = (type: FieldType = 'json'): FieldDef => ({ type, internal: true });

const caseLike = {
  title: s(true),
  description: t(),
  severity: i(true),
  startDate: d(true),
  endDate: d(),
  tags: tags(),
  flag: b(true),
  tlp: i(true),
  pap: i(),
  status: s(true),
  stage: s(true),
  summary: t(),
  assignee: s(true),
  customFields: { type: 'customFields' } as FieldDef,
};

const entityList: EntityDef[] = [
  {
    name: 'organisation',
    apiType: 'Organisation',
    parents: [],
    fields: { name: s(true), description: t(), taskRule: s(), observableRule: s(), locked: b(), avatar: s(), links: internal() },
  },
  {
    name: 'user',
    apiType: 'User',
    parents: [],
    fields: {
      login: s(true),
      name: s(true),
      email: s(true),
      locked: b(),
      type: s(),
      avatar: s(),
      defaultOrganisation: s(),
      organisations: internal(),
      orgIds: { type: 'string[]', internal: true },
      passwordHash: internal('string'),
      keyHash: internal('string'),
      keyEnc: internal('string'),
      mfa: internal(),
      failedLogins: internal('integer'),
    },
  },
  {
    name: 'profile',
    apiType: 'Profile',
    parents: [],
    fields: { name: s(true), permissions: tags(), editable: b(), isAdmin: b() },
  },
  {
    name: 'customField',
    apiType: 'CustomField',
    parents: [],
    fields: { name: s(true), displayName: s(), group: s(), description: t(), type: s(), options: j(), mandatory: b() },
  },
  {
    name: 'observableType',
    apiType: 'ObservableType',
    parents: [],
    fields: { name: s(true), isAttachment: b() },
  },
  {
    name: 'case',
    apiType: 'Case',
    parents: [],
    fields: {
      ...caseLike,
      number: i(true),
      // dashboards (issue 6): case duration (endDate - startDate) and impact read columns, not documents
      endDate: d(true),
      impactStatus: s(true),
      owningOrganisation: s(true),
      access: j(),
      taskRule: s(),
      observableRule: s(),
      links: j(),
      externalLinks: j(),
      newDate: d(),
      inProgressDate: d(),
      closedDate: d(true),
      alertDate: d(),
      alertNewDate: d(),
      alertInProgressDate: d(),
      alertImportedDate: d(),
      timeToDetect: i(),
      timeToTriage: i(),
      timeToQualify: i(),
      timeToAcknowledge: i(),
      timeToResolve: i(),
      handlingDuration: i(),
      caseTemplate: s(),
    },
  },
  {
    name: 'alert',
    apiType: 'Alert',
    parents: ['case'],
    // alerts arrive by the thousand: index what triage lists filter and sort on, not everything
    unindexedSystemFields: ['_createdBy'],
    fields: {
      ...caseLike,
      title: s(),
      startDate: d(),
      flag: b(),
      tlp: i(),
      type: s(true),
      source: s(true),
      sourceRef: s(true),
      externalLink: s(),
      date: d(true),
      lastSyncDate: d(),
      follow: b(),
      read: b(),
      caseTemplate: s(),
      caseId: s(),
      observableCount: i(),
      newDate: d(),
      inProgressDate: d(),
      closedDate: d(),
      importedDate: d(),
      timeToDetect: i(),
      timeToTriage: i(),
      timeToQualify: i(),
      timeToAcknowledge: i(),
    },
  },
  {
    name: 'caseTemplate',
    apiType: 'CaseTemplate',
    parents: [],
    fields: {
      name: s(true),
      displayName: s(),
      titlePrefix: s(),
      description: t(),
      severity: i(),
      tags: tags(),
      flag: b(),
      tlp: i(),
      pap: i(),
      summary: t(),
      customFields: { type: 'customFields' },
      tasks: j(),
      pageTemplateIds: tags(),
    },
  },
  {
    name: 'task',
    apiType: 'Task',
    parents: ['case', 'caseTemplate'],
    fields: {
      title: s(true),
      group: s(true),
      description: t(),
      status: s(true),
      flag: b(),
      startDate: d(),
      endDate: d(),
      order: i(),
      dueDate: d(),
      assignee: s(true),
      mandatory: b(),
      actionRequired: internal(),
    },
  },
  {
    name: 'log',
    apiType: 'Log',
    parents: ['task', 'case'],
    fields: { message: t(), date: d(true), owner: s(), includeInTimeline: d(), attachments: j() },
  },
  {
    name: 'observable',
    apiType: 'Observable',
    parents: ['case', 'alert'],
    // the most numerous type: data, dataType and parents serve search, similarity and traversal;
    // _createdAt, dataType, ioc and sighted have columns read through one covering index
    // (storage/sqlite/schema.ts OWN_INDEX_LEFT_OUT), not an index each
    unindexedSystemFields: ['_createdBy', '_updatedAt'],
    fields: {
      dataType: s(true),
      data: s(true),
      message: t(),
      startDate: d(),
      attachment: j(),
      attachmentHash: s(true),
      tlp: i(),
      pap: i(),
      tags: tags(),
      ioc: b(true),
      sighted: b(true),
      sightedAt: d(),
      ignoreSimilarity: b(),
      reports: j(),
    },
  },
  {
    name: 'comment',
    apiType: 'Comment',
    parents: ['case', 'alert'],
    fields: { message: t(), isEdited: b() },
  },
  {
    name: 'procedure',
    apiType: 'Procedure',
    parents: ['case', 'alert'],
    fields: { occurDate: d(true), patternId: s(true), patternName: s(), tactic: s(true), tacticLabel: s(), description: t() },
  },
  {
    name: 'page',
    apiType: 'Page',
    parents: ['case'],
    fields: { title: s(true), content: t(), category: s(true), order: i(), slug: s() },
  },
  {
    name: 'pageTemplate',
    apiType: 'PageTemplate',
    parents: [],
    fields: { title: s(true), content: t(), category: s(true), order: i() },
  },
  {
    name: 'attachment',
    apiType: 'Attachment',
    parents: ['case', 'alert', 'organisation', 'log', 'observable', 'task'],
    fields: { name: s(true), hashes: tags(), size: i(), contentType: s(), id: s(true), path: s() },
  },
  {
    name: 'customEvent',
    apiType: 'CustomEvent',
    parents: ['case'],
    fields: { date: d(true), endDate: d(), title: s(), description: t() },
  },
  {
    name: 'share',
    apiType: 'Share',
    parents: ['case'],
    fields: { organisationId: s(true), profile: s(), taskRule: s(), observableRule: s(), owner: b() },
  },
  {
    name: 'pattern',
    apiType: 'Pattern',
    parents: [],
    fields: {
      patternId: s(true),
      name: s(true),
      description: t(),
      tactics: tags(),
      url: s(),
      patternType: s(),
      platforms: tags(),
      dataSources: tags(),
      version: s(),
      revoked: b(),
    },
  },
  // Analysis engine (Cortex-compatible, see analysis/): per-org workers, engine jobs, and the
  // TheHive-side analyzer jobs (`case_artifact_job`) and responder actions.
  {
    name: 'analyzerConfig',
    apiType: 'worker',
    parents: [],
    fields: {
      name: s(true),
      workerDefinitionId: s(true),
      workerType: s(true),
      dataTypeList: tags(),
      configuration: internal(),
      rate: i(),
      rateUnit: s(),
      jobCache: { type: 'float' },
      jobTimeout: { type: 'float' },
    },
  },
  {
    name: 'job',
    apiType: 'job',
    parents: [],
    fields: {
      workerId: s(true),
      workerName: s(true),
      workerDefinitionId: s(true),
      workerType: s(true),
      dataType: s(true),
      data: s(true),
      attachment: j(),
      tlp: i(),
      pap: i(),
      message: t(),
      parameters: j(),
      label: s(),
      cacheTag: s(true),
      status: s(true),
      startDate: d(true),
      endDate: d(),
      errorMessage: t(),
      report: internal(),
      /** Content ids (SHA-256) of the job's input file and file artifacts: who may download them. */
      fileIds: tags(),
    },
  },
  {
    name: 'analyzerJob',
    apiType: 'case_artifact_job',
    parents: ['case', 'alert', 'observable'],
    fields: {
      analyzerId: s(true),
      analyzerName: s(true),
      analyzerDefinition: s(),
      cortexId: s(true),
      cortexJobId: s(true),
      status: s(true),
      startDate: d(true),
      endDate: d(),
      report: j(),
      errorMessage: t(),
      parameters: j(),
    },
  },
  {
    name: 'action',
    apiType: 'action',
    parents: ['case', 'alert', 'task', 'observable', 'log'],
    fields: {
      responderId: s(true),
      responderName: s(),
      responderDefinition: s(),
      cortexId: s(),
      cortexJobId: s(true),
      objectType: s(true),
      objectId: s(true),
      status: s(true),
      startDate: d(true),
      endDate: d(),
      operations: j(),
      report: j(),
      parameters: j(),
    },
  },
  // Dashboards (issue 6): private ones carry `_restrictedTo: [owner]`, so the visibility filter hides them from everyone else
  {
    name: 'dashboard',
    apiType: 'Dashboard',
    parents: [],
    fields: { title: s(true), description: t(), status: s(true), owner: s(true), definition: j(), defaultKey: s(true) },
  },
  {
    name: 'audit',
    apiType: 'Audit',
    parents: ['case', 'alert'],
    fields: {
      operation: s(true),
      objectType: s(true),
      objectId: s(true),
      rootId: s(true),
      requestId: s(),
      details: j(),
      mainAction: b(),
    },
  },
];

export const ENTITIES: ReadonlyMap<string, EntityDef> = new Map(entityList.map((e) => [e.name, e]));

/** The definition of `type`; throws when unregistered (a programming error). */
export function entityDef(type: string): EntityDef {
  const def = ENTITIES.get(type);
  if (!def) throw new Error(`Unregistered entity type ${type}`);
  return def;
}

/** The definition of a queryable field (system or entity), or undefined. Custom fields resolve to `customField`. */
export function fieldDef(def: EntityDef, field: string): FieldDef | undefined {
  // own properties only: "constructor", "toString" or "__proto__" are not fields
  if (Object.hasOwn(SYSTEM_FIELDS, field)) return systemFieldDef(def, field);
  const f = Object.hasOwn(def.fields, field) ? def.fields[field] : undefined;
  if (f) return f.internal ? undefined : f;
  if (field.startsWith('customFields.')) {
    const cf = def.fields.customFields;
    if (cf?.type === 'customFields') return { type: 'json' };
  }
  return undefined;
}

/** A system field's definition for `def` (indexed unless the type opts out). */
export function systemFieldDef(def: EntityDef, field: string): FieldDef | undefined {
  const f = SYSTEM_FIELDS[field];
  if (!f) return undefined;
  return f.indexed && def.unindexedSystemFields?.includes(field) ? { ...f, indexed: false } : f;
}

/** The special organisation id that makes a document visible to every organisation. */
export const ALL_ORGS = '*';

/**
 * Internal system field: the principals (user logins, `orgadmin:<orgId>`) a case and its
 * children are restricted to (UserAccessKind). Absent = no restriction. Multi-valued, stored
 * in the side table next to `_orgs` for every type, never queryable through the Query API;
 * only the `visible` IR node reads it (see services/policy.ts).
 */
export const RESTRICTED_TO = '_restrictedTo';

/** System fields stored in every type's multi-valued side table. */
export const SYSTEM_MULTI_VALUED = ['_orgs', RESTRICTED_TO] as const;
