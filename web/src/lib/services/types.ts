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

/**
 * The POS connection as the API answers it. The optional extras are names DashboardPage still
 * reads as fallbacks (the API never sends them); drop them when that page reads the spec's fields.
 */
export type PosConnection = Schemas['PosConnection'] & { status?: string; state?: string; last_sync_at?: string | null; interval_minutes?: number };

