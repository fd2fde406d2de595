import type { Transaction, WhereOptions } from 'sequelize';
import type { Actor } from '../../domain/actor.js';
import type { ModelName, Models, Row } from '../../db/models.js';

export interface ResourceContext {
  actor: Actor;
  models: Models;
  transaction: Transaction;
}

/**
 * Declarative description of a REST resource. The generic service (services/crud.ts) turns it
 * into list/get/create/update/delete with the seed's envelopes, tenancy, ETags and count caching.
 */
export interface ResourceSpec {
  /** Plural name used in paths, audit actions and cache keys, e.g. "products". */
  name: string;
  /** Singular, for messages: "Product". */
  label: string;
  model: ModelName;
  /** Query parameter → column, equality filters. */
  filters: Record<string, string>;
  /** Query parameter → column and bound, for date windows. */
  ranges?: Record<string, { column: string; op: 'gte' | 'lte' }>;
  /** Columns of a FULLTEXT index used by `q`. */
  fulltext?: string[];
  /** Column searched by prefix when `q` has no indexable word (or the resource has no FULLTEXT). */
  prefixColumn?: string;
  /** The prefix column holds ASCII only: a non-ASCII `q` cannot match it (and MySQL refuses the mix). */
  prefixAscii?: boolean;
  /** A custom `q` condition as raw SQL with one boolean-mode placeholder `?`. */
  searchSql?: string;
  defaultSort: string;
  /** Rows visible to the actor (undefined = all). Out-of-scope ids answer 404. */
  readScope(actor: Actor): WhereOptions | undefined;
  /** Rows the actor may change (undefined = all). */
  writeScope(actor: Actor): WhereOptions | undefined;
  toApi(row: Row): Row;
  /** Validates references and derives server-owned fields; returns the values to insert. */
  prepareCreate?(input: Row, ctx: ResourceContext): Promise<Row>;
  prepareUpdate?(existing: Row, patch: Row, ctx: ResourceContext): Promise<Row>;
  beforeDelete?(existing: Row, ctx: ResourceContext): Promise<void>;
}
