/**
 * The tenancy helper's conditions, rendered to SQL by Sequelize's own MySQL query generator (no
 * connection): a filter naming another tenant narrows the scope and never replaces it.
 */
import { Sequelize, type WhereOptions } from 'sequelize';
import { afterAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import { AppError } from '../../../domain/errors.js';
import { eitherParty, ownedBy, requireOwnEntity, sqlScope, sqlStaffOnly, sqlWithinScope, withinScope } from '../../../api/services/tenancy.js';

const sequelize = new Sequelize('mysql://nobody@127.0.0.1:1/none', { logging: false });
const sql = (where: WhereOptions) =>
  (sequelize.getQueryInterface().queryGenerator as unknown as { whereQuery(w: WhereOptions): string }).whereQuery(where);

const tenant: Actor = { kind: 'user', id: 'u', role: 'owner', entityId: 'TENANT' };
const staff: Actor = { kind: 'user', id: 's', role: 'operator' };

describe('withinScope', () => {
  afterAll(() => sequelize.close());

  it('keeps the tenant condition when a filter names another tenant on the same column', () => {
    const where = sql(withinScope(ownedBy('entity_id')(tenant), { entity_id: 'OTHER', vendor: 'dutchie' }));
    expect(where).toContain("`entity_id` = 'OTHER'");
    expect(where).toContain("`entity_id` = 'TENANT'");
    // Scope last, as its own operand of the AND.
    expect(where.indexOf("'TENANT'")).toBeGreaterThan(where.indexOf("'OTHER'"));
  });

  it('keeps both parties of an order scope under any party filter', () => {
    const where = sql(withinScope(eitherParty(tenant), { retailer_id: 'OTHER' }, { id: 'X' }));
    expect(where).toMatch(/`retailer_id` = 'OTHER'.*`id` = 'X'.*\(`retailer_id` = 'TENANT' OR `wholesaler_id` = 'TENANT'\)/);
  });

  it('adds nothing for platform staff and nothing for empty parts', () => {
    expect(sql(withinScope(ownedBy('entity_id')(staff), { entity_id: 'OTHER' }))).toBe("WHERE `entity_id` = 'OTHER'");
    expect(withinScope(undefined, {}, undefined)).toEqual({});
  });
});

describe('sqlWithinScope', () => {
  it('puts the scope last, parenthesised, with its values last', () => {
    const scope = sqlScope(tenant, ['retailer_id', 'wholesaler_id']);
    const { where, replacements } = sqlWithinScope(scope, { sql: 'retailer_id = ? OR 1 = 1', replacements: ['OTHER'] });
    expect(where).toBe('WHERE (retailer_id = ? OR 1 = 1) AND (retailer_id = ? OR wholesaler_id = ?)');
    expect(replacements).toEqual(['OTHER', 'TENANT', 'TENANT']);
  });

  it('is empty for staff without filters; staff-only tables answer tenants nothing', () => {
    expect(sqlWithinScope(sqlScope(staff, ['entity_id']))).toEqual({ where: '', replacements: [] });
    expect(sqlStaffOnly(staff)).toBeUndefined();
    expect(sqlWithinScope(sqlStaffOnly(tenant), { sql: 'status = ?', replacements: ['failed'] }).where).toBe('WHERE (status = ?) AND (1 = 0)');
  });
});

describe('requireOwnEntity', () => {
  it('refuses another entity with a 422 naming the field, and lets staff name any', () => {
    expect(() => requireOwnEntity(tenant, 'OTHER', 'retailer_id')).toThrow(AppError);
    try {
      requireOwnEntity(tenant, 'OTHER', 'retailer_id');
    } catch (e) {
      expect((e as AppError).status).toBe(422);
      expect((e as AppError).details).toEqual({ field: 'retailer_id', issue: 'not found' });
    }
    expect(() => requireOwnEntity(tenant, 'TENANT', 'retailer_id')).not.toThrow();
    expect(() => requireOwnEntity(staff, 'OTHER', 'retailer_id')).not.toThrow();
  });
});
