import { Router, type RequestHandler } from 'express';
import type { ApiDeps } from '../deps.js';
import { entities } from '../resources/entities.js';
import { inventory } from '../resources/inventory.js';
import { locations } from '../resources/locations.js';
import { orders } from '../resources/orders.js';
import { productVariants } from '../resources/productVariants.js';
import { products } from '../resources/products.js';
import { createCrudService } from '../services/crud.js';
import { createOrderService } from '../services/orders.js';
import { createNameService } from '../services/names.js';
import { crudRoutes } from './crud.js';
import { apiKeyRoutes } from './apiKeys.js';
import { auditLogRoutes } from './auditLog.js';
import { authRoutes } from './auth.js';
import { orderRoutes } from './orders.js';
import { createDashboardService } from '../services/dashboard.js';
import { createWorkflowService } from '../services/workflows.js';
import { workflowRoutes } from './workflows.js';
import { complianceRoutes } from './compliance.js';
import { createComplianceService } from '../services/compliance.js';
import { createDeadLetterService } from '../services/complianceDeadLetters.js';
import { createMetrcSuggestionService } from '../services/metrcSuggestions.js';
import { createPosConnectionService } from '../services/posConnections.js';
import { createSyncRunService } from '../services/syncRuns.js';
import { posConnectionRoutes } from './posConnections.js';
import { syncRunRoutes } from './syncRuns.js';
import { adminRoutes } from './admin.js';
import { userRoutes } from './users.js';
import { metrcCredentialRoutes } from './metrcCredentials.js';
import { createCatalogService } from '../services/catalog.js';
import { catalogRoutes } from './catalog.js';
import { notificationPreferenceRoutes } from './notificationPreferences.js';
import { notificationRoutes } from './notifications.js';
import { createReportService } from '../services/reports.js';
import { reportRoutes } from './reports.js';
import { createReportScheduleService } from '../services/reportSchedules.js';
import { reportScheduleRoutes } from './reportSchedules.js';

/**
 * A feature router made only of routes whose first path segment is literal is skipped at once
 * for a path with any other first segment, instead of matching each of its routes in turn: a
 * cached list read walked some 45 routes of the routers mounted before its own (issue 22
 * profile). Only a pre-filter: the router itself still matches as before (req.route, req.params
 * and the metrics label unchanged). A router with middleware or a parameter first is not filtered.
 */
function skipUnlessFirstSegment(r: Router): Router | RequestHandler {
  const heads = new Set<string>();
  for (const layer of (r as unknown as { stack: Array<{ route?: { path?: unknown } }> }).stack) {
    const path = layer.route?.path;
    if (typeof path !== 'string') return r;
    const head = path.split('/')[1];
    if (!head || /[^\w.~-]/.test(head)) return r;
    heads.add(head.toLowerCase());
  }
  // Express matches routes case-insensitively; the gate has already spelt the path as the spec does.
  const filtered: RequestHandler = (req, res, next) => (heads.has((req.path.split('/', 2)[1] ?? '').toLowerCase()) ? r(req, res, next) : next());
  // The router's routes stay visible to whoever walks the app's stack (the contract test).
  return Object.assign(filtered, { stack: (r as unknown as { stack: unknown[] }).stack });
}

/** Everything under /api/v1. Each feature mounts its router here. */
export function apiRoutes(deps: ApiDeps): Router {
  const router = Router();
  const mount = (feature: Router) => router.use(skipUnlessFirstSegment(feature));
  mount(authRoutes(deps));
  mount(apiKeyRoutes(deps));
  mount(userRoutes(deps));
  mount(metrcCredentialRoutes(deps));
  mount(notificationPreferenceRoutes(deps));
  mount(notificationRoutes(deps));
  mount(auditLogRoutes(deps.sequelize));
  mount(adminRoutes(deps.redis));
  mount(crudRoutes('/entities', createCrudService(entities, deps)));
  mount(crudRoutes('/locations', createCrudService(locations, deps)));
  mount(crudRoutes('/products', createCrudService(products, deps)));
  mount(crudRoutes('/product-variants', createCrudService(productVariants, deps)));
  const names = createNameService(deps.sequelize);
  mount(crudRoutes('/inventory', createCrudService(inventory, deps), names.inventory));
  mount(catalogRoutes(createCatalogService(deps), { validateResponses: deps.config.validateResponses }));
  mount(orderRoutes(createCrudService(orders, deps), createOrderService(deps), names));
  const workflows = createWorkflowService(deps);
  mount(workflowRoutes(workflows, createDashboardService(deps, workflows)));
  mount(posConnectionRoutes(createPosConnectionService(deps)));
  mount(syncRunRoutes(createSyncRunService(deps)));
  mount(reportRoutes(createReportService(deps)));
  mount(reportScheduleRoutes(createReportScheduleService(deps)));
  const compliance = createComplianceService(deps);
  mount(complianceRoutes(compliance, createDeadLetterService(deps, compliance), createMetrcSuggestionService(deps, compliance), names));
  return router;
}
