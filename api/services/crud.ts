import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Op, type Sequelize, type Transaction, type WhereOptions } from 'sequelize';
import type { Actor, Origin } from '../../domain/actor.js';
import { notFound } from '../../domain/errors.js';
import { models, type Row } from '../../db/models.js';
import type { ResourceSpec } from '../resources/spec.js';
import { bumpVersion, cachedCount } from './counts.js';
import { cachedPage, stableKey, type Page as CachedPage } from './cache.js';
import { booleanQuery, likePrefix } from './search.js';
import { audit, changesOf, targetTypeOf } from './audit.js';
import { withinScope } from './tenancy.js';

export interface ListParams {
  page: number;
  limit: number;
  sort?: string;
  q?: string;
  [filter: string]: unknown;
}

/**
 * What the caller requires of an object before changing it, given the object as the API shows it
 * (an HTTP If-Match, for one); throws to refuse. Checked inside the write's transaction.
 */
export type Precondition = (current: Row) => void;

export interface Page<T> {
  data: T[];
  pagination: { page: number; limit: number; total: number; total_pages: number };
}

export interface CrudDeps {
  sequelize: Sequelize;
  redis: Redis;
  /** With response validation on (tests), pages are handed to res.json so the validator sees them. */
  config?: { validateResponses: boolean };
}

/**
 * Resources whose list pages are cached whole in Redis (services/cache.ts): read far more than
 * written, and every write to them goes through this service, which bumps the version.
 */
export const CACHED_LISTS: ReadonlySet<string> = new Set(['products', 'product_variants', 'entities', 'locations']);

export function orderBy(sort: string): [string, 'ASC' | 'DESC'][] {
  const desc = sort.startsWith('-');
  const column = desc ? sort.slice(1) : sort;
  // `id` breaks ties so pages never overlap or skip rows with equal sort keys.
  return [
    [column, desc ? 'DESC' : 'ASC'],
    ['id', desc ? 'DESC' : 'ASC'],
  ];
}

export function createCrudService(spec: ResourceSpec, deps: CrudDeps) {
  const m = () => models(deps.sequelize);
  const model = () => m()[spec.model];

  const target = targetTypeOf(spec.model);
  // The tenant an audit row belongs to: the row's owner (entities own themselves).
  const ownerOf = (row: Row): string | null => (row.entity_id as string | undefined) ?? (spec.model === 'Entity' ? (row.id as string) : null);

  function searchWhere(q: string | undefined): WhereOptions | undefined {
    if (!q) return undefined;
    const bq = booleanQuery(q);
    const escape = (v: string) => deps.sequelize.escape(v);
    if (bq && spec.searchSql) return deps.sequelize.literal(spec.searchSql.replace('?', escape(bq))) as unknown as WhereOptions;
    if (bq && spec.fulltext) {
      return deps.sequelize.literal(
        `MATCH(${spec.fulltext.join(', ')}) AGAINST(${escape(bq)} IN BOOLEAN MODE)`,
      ) as unknown as WhereOptions;
    }
    // eslint-disable-next-line no-control-regex
    if (spec.prefixColumn && !(spec.prefixAscii && /[^\x00-\x7f]/.test(q))) return { [spec.prefixColumn]: { [Op.like]: likePrefix(q) } };
    return { id: null }; // nothing searchable in q: no matches rather than everything
  }

  function filterWhere(params: ListParams): WhereOptions | undefined {
    const where: Record<string | symbol, unknown> = {};
    for (const [param, column] of Object.entries(spec.filters)) {
      if (params[param] !== undefined) where[column] = params[param];
    }
    for (const [param, { column, op }] of Object.entries(spec.ranges ?? {})) {
      if (params[param] === undefined) continue;
      const prev = (where[column] as Record<symbol, unknown> | undefined) ?? {};
      where[column] = { ...prev, [op === 'gte' ? Op.gte : Op.lte]: new Date(String(params[param])) };
    }
    return Object.keys(where).length ? (where as WhereOptions) : undefined;
  }

  async function findVisible(actor: Actor, id: string, lock = false, transaction?: Transaction) {
    const row = await model().findOne({
      where: withinScope(spec.readScope(actor), { id }),
      ...(transaction ? { transaction, lock: lock ? transaction.LOCK.UPDATE : undefined } : {}),
    });
    if (!row) throw notFound(spec.label, id);
    return row;
  }

  async function list(actor: Actor, params: ListParams): Promise<Page<Row>> {
    return service.list(actor, params);
  }

  const service = {
    spec,
    validatesResponses: deps.config?.validateResponses ?? false,

    /**
     * The list page as JSON text. For CACHED_LISTS a hit skips Sequelize entirely. The key holds
     * the database, the actor's read scope as the WHERE it becomes (so tenants with different
     * scopes never share a page, and tenants with the same scope rightly do) and the normalised
     * query (key order and the default sort do not make distinct entries).
     */
    async listJson(actor: Actor, params: ListParams): Promise<string> {
      if (!CACHED_LISTS.has(spec.name)) return JSON.stringify(await list(actor, params));
      return (await service.listPage(actor, params))!.body;
    },

    /** For CACHED_LISTS: the page with its bytes and ETag, made once per cached page; otherwise undefined. */
    async listPage(actor: Actor, params: ListParams): Promise<CachedPage | undefined> {
      if (!CACHED_LISTS.has(spec.name)) return undefined;
      const key = stableKey({
        db: deps.sequelize.getDatabaseName(),
        scope: spec.readScope(actor) ?? null,
        p: { ...params, sort: params.sort ?? spec.defaultSort },
      });
      return cachedPage(deps.redis, spec.name, [spec.name], key, async () => JSON.stringify(await list(actor, params)));
    },

    async list(actor: Actor, params: ListParams): Promise<Page<Row>> {
      const where = withinScope(spec.readScope(actor), filterWhere(params), searchWhere(params.q));
      // The database is part of the key: deployments (and test runs) sharing one Redis must never
      // see each other's totals.
      const filterKey = JSON.stringify({ db: deps.sequelize.getDatabaseName(), actor: spec.readScope(actor) ? actor.entityId : '*', p: { ...params, page: 0, limit: 0, sort: '' } });
      const order = orderBy(params.sort ?? spec.defaultSort);
      const offset = (params.page - 1) * params.limit;
      // Past page 1, a deferred join: the skipped rows are walked in the (covering) index only,
      // and just this page's rows are read in full, instead of `offset + limit` row lookups.
      const page = async () => {
        if (offset === 0) return model().findAll({ where, order, limit: params.limit, raw: true });
        const ids = (await model().findAll({ attributes: ['id'], where, order, limit: params.limit, offset, raw: true })) as unknown as Array<{ id: string }>;
        return ids.length ? model().findAll({ where: { id: ids.map((r) => r.id) }, order, raw: true }) : [];
      };
      const [rows, total] = await Promise.all([page(), cachedCount(deps.redis, spec.name, filterKey, () => model().count({ where }))]);
      return {
        data: (rows as unknown as Row[]).map(spec.toApi),
        pagination: { page: params.page, limit: params.limit, total, total_pages: Math.ceil(total / params.limit) },
      };
    },

    async get(actor: Actor, id: string): Promise<Row> {
      return spec.toApi((await findVisible(actor, id)).get({ plain: true }));
    },

    async create(actor: Actor, input: Row, origin: Origin = {}): Promise<Row> {
      const created = await deps.sequelize.transaction(async (transaction) => {
        const values = spec.prepareCreate ? await spec.prepareCreate(input, { actor, models: m(), transaction }) : input;
        const id = randomUUID();
        await model().create({ id, ...values }, { transaction });
        // Re-read so database defaults (and DATETIME precision) appear exactly as a GET shows them.
        const row = (await model().findByPk(id, { transaction, raw: true })) as unknown as Row;
        await audit(deps.sequelize, actor, { action: `${target}.created`, targetType: target, targetId: id, entityId: ownerOf(row), summary: { fields: Object.keys(values).sort() } }, { transaction, ...origin });
        return row;
      });
      await bumpVersion(deps.redis, spec.name);
      return spec.toApi(created);
    },

    async update(actor: Actor, id: string, patch: Row, expect?: Precondition, origin: Origin = {}): Promise<Row> {
      const updated = await deps.sequelize.transaction(async (transaction) => {
        const row = await findVisible(actor, id, true, transaction);
        // A copy: Sequelize hands out its live dataValues, which the update below would rewrite.
        const existing = { ...row.get({ plain: true }) };
        expect?.(spec.toApi(existing));
        // Readable but not the caller's to change: answered like any other tenant's object.
        if (!(await model().count({ where: withinScope(spec.writeScope(actor), { id }), transaction }))) throw notFound(spec.label, id);
        const values = spec.prepareUpdate ? await spec.prepareUpdate(existing, patch, { actor, models: m(), transaction }) : patch;
        await row.update(values, { transaction });
        await audit(deps.sequelize, actor, { action: `${target}.updated`, targetType: target, targetId: id, entityId: ownerOf(existing), summary: { changes: changesOf(existing, values) } }, { transaction, ...origin });
        return row.get({ plain: true });
      });
      await bumpVersion(deps.redis, spec.name);
      return spec.toApi(updated);
    },

    async remove(actor: Actor, id: string, origin: Origin = {}): Promise<void> {
      await deps.sequelize.transaction(async (transaction) => {
        const row = await findVisible(actor, id, true, transaction);
        if (!(await model().count({ where: withinScope(spec.writeScope(actor), { id }), transaction }))) throw notFound(spec.label, id);
        const existing = row.get({ plain: true });
        await spec.beforeDelete?.(existing, { actor, models: m(), transaction });
        await row.destroy({ transaction });
        await audit(deps.sequelize, actor, { action: `${target}.deleted`, targetType: target, targetId: id, entityId: ownerOf(existing), summary: { name: existing.name ?? existing.sku ?? existing.order_number ?? null } }, { transaction, ...origin });
      });
      await bumpVersion(deps.redis, spec.name);
    },
  };
  return service;
}

export type CrudService = ReturnType<typeof createCrudService>;
