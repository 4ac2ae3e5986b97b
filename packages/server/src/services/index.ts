/** Builds every service with plain constructors: the wiring shared by the server and the CLI. */
import type { EntityStore } from '../storage/entity-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { WaggleConfig } from '../config/config.js';
import type { Readiness } from '../cluster/readiness.js';
import { LocalSingletons, type Singletons } from '../cluster/singletons.js';
import type { EventRelay } from '../cluster/event-relay.js';
import { EventBus } from './events.js';
import { AuditService } from './audit.service.js';
import { OrganisationService } from './organisation.service.js';
import { ProfileService } from './profile.service.js';
import { UserService } from './user.service.js';
import { AuthService } from './auth.service.js';
import { CaseService } from './case.service.js';
import { QueryService } from './query.service.js';
import { SecretBox } from '../auth/secret-box.js';
import { registerCoreQueries } from './core-queries.js';
import { MispService } from './misp.service.js';
import { AttachmentService } from './attachment.service.js';
import { TaskService } from './task.service.js';
import { LogService } from './log.service.js';
import { CommentService } from './comment.service.js';
import { CustomEventService } from './custom-event.service.js';
import { TimelineService } from './timeline.service.js';
import { registerTaskQueries } from './task-queries.js';
import { ObservableTypeService } from './observable-type.service.js';
import { ObservableService } from './observable.service.js';
import { AttachmentAccessService } from './attachment-access.service.js';
import { registerObservableQueries } from './observable-queries.js';
import { CustomFieldService } from './custom-field.service.js';
import { PageTemplateService } from './page-template.service.js';
import { CasePageService } from './case-page.service.js';
import { CaseTemplateService } from './case-template.service.js';
import { ProcedureService } from './procedure.service.js';
import { CaseCreationService } from './case-create.js';
import { registerTemplateQueries } from './template-queries.js';
import { ShareService } from './share.service.js';
import { CaseLinkService } from './case-link.service.js';
import { CaseMergeService } from './case-merge.service.js';
import { CaseExportService } from './case-export.service.js';
import { AlertService } from './alert.service.js';
import { AlertImportService } from './alert-import.service.js';
import { AlertSimilarityService } from './alert-similarity.service.js';
import { registerAlertQueries } from './alert-queries.js';
import type { AnalysisService } from '../analysis/analysis.service.js';
import { createAnalysis } from '../analysis/index.js';
import type { CortexConnectorService } from '../analysis/connector/connector.service.js';
import { createCortexConnector } from '../analysis/connector/index.js';
import { DashboardService, registerDashboardQueries } from './dashboard.service.js';

export interface Services {
  config: WaggleConfig;
  store: EntityStore;
  blobs: BlobStore;
  bus: EventBus;
  audit: AuditService;
  orgs: OrganisationService;
  profiles: ProfileService;
  users: UserService;
  auth: AuthService;
  cases: CaseService;
  query: QueryService;
  attachments: AttachmentService;
  tasks: TaskService;
  logs: LogService;
  comments: CommentService;
  customEvents: CustomEventService;
  timeline: TimelineService;
  observableTypes: ObservableTypeService;
  observables: ObservableService;
  misp: MispService;
  alerts: AlertService;
  alertImport: AlertImportService;
  alertSimilarity: AlertSimilarityService;
  attachmentAccess: AttachmentAccessService;
  customFields: CustomFieldService;
  pageTemplates: PageTemplateService;
  pages: CasePageService;
  caseTemplates: CaseTemplateService;
  procedures: ProcedureService;
  /** Case creation with templates, tasks and pages, and bulk template application. */
  caseCreation: CaseCreationService;
  shares: ShareService;
  caseLinks: CaseLinkService;
  caseMerge: CaseMergeService;
  caseExport: CaseExportService;
  dashboards: DashboardService;
  /** The in-process analysis engine (absent when `analysis.enabled` is false). */
  analysis?: AnalysisService;
  /** The TheHive-side connector to the analysis engines (absent without engines). */
  cortex?: CortexConnectorService;
  /** Periodic jobs that run on one node only (connector polling, index repair, feeders): see `cluster/singletons.ts`. */
  singletons: Singletons;
  /** Cluster readiness, set by the composition root in cluster mode; absent = always ready. */
  readiness?: Readiness;
  /** Replaces plain case creation once templates/tasks/sharing are wired (see case-create.ts). */
  caseCreator?: (
    actor: import('./actor.js').Actor,
    body: Record<string, unknown> & import('./case.service.js').CaseInput,
    more?: import('./case.service.js').ChildOps,
    extraFields?: Record<string, unknown>,
  ) => Promise<import('../storage/entity-store.js').Doc>;
}

/** What a cluster node adds: its singleton leases and the live stream's relay (both absent on a single node). */
export interface ClusterPorts {
  singletons?: Singletons;
  relay?: EventRelay;
}

export function createServices(config: WaggleConfig, store: EntityStore, blobs: BlobStore, secret: string, cluster: ClusterPorts = {}): Services {
  const bus = new EventBus();
  if (cluster.relay) bus.attach(cluster.relay);
  const audit = new AuditService(store, bus);
  const orgs = new OrganisationService(store, audit);
  const profiles = new ProfileService(store, audit);
  const users = new UserService(store, audit, orgs, profiles, new SecretBox(secret));
  const auth = new AuthService(store, users, orgs, profiles, secret);
  auth.watch(bus);
  const cases = new CaseService(store, audit);
  const query = new QueryService(store, { maxDepth: config.query.maxFilterDepth, maxPageSize: config.query.maxPageSize });
  const attachments = new AttachmentService(store, blobs, audit);
  const tasks = new TaskService(store, audit, cases, orgs, users);
  const logs = new LogService(store, audit, tasks, attachments);
  const comments = new CommentService(store, audit, cases);
  const customEvents = new CustomEventService(store, audit, cases);
  const timeline = new TimelineService(store, cases);
  const observableTypes = new ObservableTypeService(store, audit);
  const observables = new ObservableService(store, audit, attachments, observableTypes, cases);
  const attachmentAccess = new AttachmentAccessService(store, attachments, cases, audit);
  const customFields = new CustomFieldService(store, audit);
  const pageTemplates = new PageTemplateService(store, audit);
  const pages = new CasePageService(store, audit, cases);
  const caseTemplates = new CaseTemplateService(store, audit, pageTemplates);
  const procedures = new ProcedureService(store, audit, cases);
  const caseCreation = new CaseCreationService(store, audit, cases, caseTemplates, pageTemplates, pages);
  const shares = new ShareService(store, audit, cases, orgs, profiles, users);
  caseCreation.sharer = (actor, caseDoc, params) => shares.shareNewCase(actor, caseDoc, params);
  caseCreation.accessSetter = (actor, caseDoc, access) => shares.setAccess(actor, caseDoc._id, access);
  const caseLinks = new CaseLinkService(store, audit, cases);
  const caseMerge = new CaseMergeService(store, audit, cases);
  query.registerExtraData('case', 'links', (docs, actor) => caseLinks.linksExtraData(docs, actor));
  const caseExport = new CaseExportService(store, blobs, audit, cases, attachments, observables, pages, procedures, shares, {
    maxEntries: 100_000,
    maxTotalSize: config.http.uploadLimit * 4,
  });
  const alerts = new AlertService(store, audit, { maxObservables: config.alert.maxObservables }, observables, procedures, comments, attachments);
  const alertImport = new AlertImportService(
    store,
    audit,
    alerts,
    cases,
    caseTemplates,
    attachments,
    { maxBulkMerge: config.alert.maxBulkMerge },
    () => services.caseCreator,
  );
  const alertSimilarity = new AlertSimilarityService(store, alerts, cases, observables);
  const services: Services = {
    config,
    store,
    blobs,
    bus,
    singletons: cluster.singletons ?? new LocalSingletons(),
    audit,
    orgs,
    profiles,
    users,
    auth,
    cases,
    query,
    attachments,
    tasks,
    logs,
    comments,
    customEvents,
    timeline,
    observableTypes,
    observables,
    attachmentAccess,
    customFields,
    pageTemplates,
    pages,
    caseTemplates,
    procedures,
    caseCreation,
    shares,
    caseLinks,
    caseMerge,
    caseExport,
    misp: new MispService([], caseCreation, observables, (sha) => blobs.get(sha)),
    alerts,
    alertImport,
    alertSimilarity,
    dashboards: new DashboardService(store, audit, { maxDepth: config.query.maxFilterDepth, maxPageSize: config.query.maxPageSize }, bus),
  };
  if (config.analysis.enabled) services.analysis = createAnalysis(config.analysis, store, blobs, audit);
  if (config.analysis.engines.length > 0) services.cortex = createCortexConnector(services);
  services.caseCreator = (actor, body, more, extraFields) => caseCreation.create(actor, body, more, extraFields);
  registerCoreQueries(services);
  registerTaskQueries(services);
  registerObservableQueries(services);
  registerTemplateQueries(services);
  registerAlertQueries(services);
  registerDashboardQueries(query, services.dashboards);
  return services;
}
