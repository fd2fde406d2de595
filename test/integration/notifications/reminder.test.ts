/**
 * The accept-deadline reminder, which used to be logged only, now emails the wholesaler's users
 * (real API, workers, Temporal, SMTP catcher). A 10 s deadline puts the reminder at 5 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { freshStock, ordersEnv, placeOrder, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { ownQueues } from '../../support/harness.js';

let catcher: MailCatcher;
let env: OrdersEnv;

beforeAll(async () => {
  catcher = await startMailCatcher();
  env = await ordersEnv({
    env: { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), PUBLIC_URL: 'https://console.trellis.test', ORDER_ACCEPT_DEADLINE: '10s', ORDER_REMINDER_BEFORE: '0' },
  });
}, 120_000);

afterAll(async () => {
  await env?.close();
  await catcher?.stop();
});

describe('accept-deadline reminder', () => {
  it('emails each of the wholesaler\'s users once while the order waits, with the expiry and a console link', async () => {
    const [rows] = await env.deps.sequelize.query("SELECT email FROM users WHERE entity_id = ? AND role = 'entity' AND disabled_at IS NULL", { replacements: [env.world.wholesaler.id] });
    const expected = (rows as Array<{ email: string }>).map((u) => u.email).sort();
    const stock = await freshStock(env, 5);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    const reminders = () => catcher.messages().filter((m) => m.subject === `Reminder: order ${order.order_number} waits for your answer`);
    await waitFor('the reminders', async () => reminders().length >= expected.length, 30_000);
    // Until after the deadline: the order expires, and nothing more is sent about the reminder.
    await waitFor('expiry', async () => {
      const [o] = (await env.deps.sequelize.query('SELECT status FROM orders WHERE id = ?', { replacements: [order.id] }))[0] as Array<{ status: string }>;
      return o?.status === 'expired';
    }, 30_000);
    expect(reminders().map((m) => m.to[0]).sort()).toEqual(expected);
    for (const m of reminders()) {
      expect(m.text).toContain(`https://console.trellis.test/orders/${order.id}`);
      expect(m.text).toMatch(/It expires at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\./);
    }
    const [events] = await env.deps.sequelize.query("SELECT COUNT(*) AS n FROM order_events WHERE order_id = ? AND type = 'reminder_sent'", { replacements: [order.id] });
    expect(Number((events as Array<{ n: number }>)[0]!.n)).toBe(1);
  }, 90_000);
});
