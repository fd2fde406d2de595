/** Names for the spec's shapes (openapi/types.ts, generated from openapi.yaml) used across pages. */
import type { components } from '../../../../openapi/types.js';

export type Schemas = components['schemas'];
export type Order = Schemas['Order'];
export type OrderEvent = Schemas['OrderEvent'];
export type OrderStatus = Schemas['OrderStatus'];
export type WorkflowSummary = Schemas['WorkflowSummary'];
export type WorkflowDetail = Schemas['WorkflowDetail'];
export type DashboardSummary = Schemas['DashboardSummary'];
export type Inventory = Schemas['Inventory'];
export type Location = Schemas['Location'];

export type PosConnection = Schemas['PosConnection'];
