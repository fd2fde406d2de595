import { ConnectionAcquireTimeoutError, ConnectionRefusedError, DatabaseError, UniqueConstraintError } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { dependencyDown } from '../../../platform/dependencyErrors.js';
import { streamFields } from '../../../worker/orderEventsRelay.js';

const mysql2 = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`connect ${code}`), { code, fatal: true, ...extra });

describe('dependencyDown: a dependency away, not a bug', () => {
  it('names the database for Sequelize connection errors and mysql2 fatal network errors', () => {
    expect(dependencyDown(new ConnectionRefusedError(mysql2('ECONNREFUSED')))).toBe('database');
    expect(dependencyDown(new ConnectionAcquireTimeoutError(new Error('timeout')))).toBe('database');
    expect(dependencyDown(mysql2('PROTOCOL_CONNECTION_LOST'))).toBe('database');
    // Server shutting down (1053) arrives as a query error wrapped by Sequelize.
    expect(dependencyDown(new DatabaseError(Object.assign(new Error('Server shutdown in progress'), { errno: 1053, sqlMessage: 'Server shutdown in progress', sql: '' })))).toBe('database');
    expect(dependencyDown(new Error("Can't add new command when connection is in closed state"))).toBe('database');
  });

  it('names Redis for ioredis failing fast while it reconnects', () => {
    expect(dependencyDown(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe('redis');
    expect(dependencyDown(Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }))).toBe('redis');
  });

  it('leaves everything else alone: an HTTP client refused, a duplicate, a plain bug', () => {
    expect(dependencyDown(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4010'), { code: 'ECONNREFUSED', isAxiosError: true }))).toBeUndefined();
    expect(dependencyDown(new UniqueConstraintError({}))).toBeUndefined();
    expect(dependencyDown(new TypeError('x is undefined'))).toBeUndefined();
    expect(dependencyDown('ECONNREFUSED')).toBeUndefined();
  });
});

describe('the outbox relay publishes what the activity would have', () => {
  it('builds the stream entry from the timeline row and its order', () => {
    const fields = streamFields({
      event_key: 'o-1:3',
      order_id: 'o-1',
      type: 'metrc_status',
      from_status: null,
      to_status: null,
      actor_role: 'system',
      reason: null,
      detail: JSON.stringify({ metrc: { state: 'matched', manifestNumber: 'M-9' } }),
      occurred_at: new Date('2026-12-05T10:00:00.000Z'),
      order_number: 'TR-1',
      retailer_id: 'r-1',
      wholesaler_id: 'w-1',
      status: 'fulfilled',
    });
    expect(fields).toEqual({
      type: 'order.metrc_status',
      order_id: 'o-1',
      order_number: 'TR-1',
      retailer_id: 'r-1',
      wholesaler_id: 'w-1',
      status: 'fulfilled',
      event_id: 'o-1:3',
      occurred_at: '2026-12-05T10:00:00.000Z',
      actor_role: 'system',
      metrc_state: 'matched',
      manifest_number: 'M-9',
    });
  });
});
