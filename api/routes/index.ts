import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { entities } from '../resources/entities.js';
import { inventory } from '../resources/inventory.js';
import { locations } from '../resources/locations.js';
import { orders } from '../resources/orders.js';
import { productVariants } from '../resources/productVariants.js';
import { products } from '../resources/products.js';
import { createCrudService } from '../services/crud.js';
import { createOrderService } from '../services/orders.js';
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
import { createPosConnectionService } from '../services/posConnections.js';
import { createSyncRunService } from '../services/syncRuns.js';
import { posConnectionRoutes } from './posConnections.js';
import { syncRunRoutes } from './syncRuns.js';
import { adminRoutes } from './admin.js';

/** Everything under /api/v1. Each feature mounts its router here. */
export function apiRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(authRoutes(deps));
  router.use(apiKeyRoutes(deps));
  router.use(auditLogRoutes(deps.sequelize));
  router.use(adminRoutes(deps.redis));
  router.use(crudRoutes('/entities', createCrudService(entities, deps)));
  router.use(crudRoutes('/locations', createCrudService(locations, deps)));
  router.use(crudRoutes('/products', createCrudService(products, deps)));
  router.use(crudRoutes('/product-variants', createCrudService(productVariants, deps)));
  router.use(crudRoutes('/inventory', createCrudService(inventory, deps)));
  router.use(orderRoutes(createCrudService(orders, deps), createOrderService(deps)));
  const workflows = createWorkflowService(deps);
  router.use(workflowRoutes(workflows, createDashboardService(deps, workflows)));
  router.use(posConnectionRoutes(createPosConnectionService(deps)));
  router.use(syncRunRoutes(createSyncRunService(deps)));
  const compliance = createComplianceService(deps);
  router.use(complianceRoutes(compliance, createDeadLetterService(deps, compliance)));
  return router;
}
