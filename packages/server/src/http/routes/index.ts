/** Every route module, in registration order. Add a resource folder and list it here. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';
import { statusRoutes } from './status/routes.js';
import { sessionRoutes } from './session/routes.js';
import { userRoutes } from './user/routes.js';
import { organisationRoutes } from './organisation/routes.js';
import { profileRoutes } from './profile/routes.js';
import { caseRoutes } from './case/routes.js';
import { queryRoutes } from './query/routes.js';
import { streamRoutes } from './stream/routes.js';
import { mispConnectorRoutes } from './connector-misp/routes.js';
import { benchRoutes } from './bench/routes.js';
import { taskRoutes } from './task/routes.js';
import { logRoutes } from './log/routes.js';
import { commentRoutes } from './comment/routes.js';
import { timelineRoutes } from './timeline/routes.js';
import { observableTypeRoutes } from './observable-type/routes.js';
import { observableRoutes } from './observable/routes.js';
import { attachmentRoutes } from './attachment/routes.js';

import { shareRoutes } from './share/routes.js';
import { caseLinkRoutes } from './case-link/routes.js';
import { caseMergeRoutes } from './case-merge/routes.js';
import { caseExportRoutes } from './case-export/routes.js';
import { customFieldRoutes } from './custom-field/routes.js';
import { caseTemplateRoutes } from './case-template/routes.js';
import { pageTemplateRoutes } from './page-template/routes.js';
import { casePageRoutes } from './case-page/routes.js';
import { procedureRoutes } from './procedure/routes.js';
import { alertRoutes } from './alert/routes.js';
import { cortexConnectorRoutes } from './connector-cortex/routes.js';
import { dashboardRoutes } from './dashboard/routes.js';

export type RouteModule = (app: FastifyInstance, services: Services) => Promise<void> | void;

export const routeModules: RouteModule[] = [
  statusRoutes,
  sessionRoutes,
  userRoutes,
  organisationRoutes,
  profileRoutes,
  caseRoutes,
  queryRoutes,
  streamRoutes,
  mispConnectorRoutes,
  benchRoutes,
  taskRoutes,
  logRoutes,
  commentRoutes,
  timelineRoutes,
  observableTypeRoutes,
  observableRoutes,
  attachmentRoutes,
  shareRoutes,
  caseLinkRoutes,
  caseMergeRoutes,
  caseExportRoutes,
  customFieldRoutes,
  caseTemplateRoutes,
  pageTemplateRoutes,
  casePageRoutes,
  procedureRoutes,
  alertRoutes,
  cortexConnectorRoutes,
  dashboardRoutes,
];
