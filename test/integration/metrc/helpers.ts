/** Shared wiring for the METRC integration tests: an in-process sandbox the workers talk to. */
import { randomUUID } from 'node:crypto';
import { createMetrcSandbox, DEMO_PACKAGES, type MetrcSandbox, type RunningSandbox, type SandboxSummary } from '../../../sandboxes/metrc/index.js';
import type { ApiDeps } from '../../../api/deps.js';
import { request } from '../../support/fixtures.js';

export interface SandboxHandle {
  sandbox: MetrcSandbox;
  running: RunningSandbox;
  state(): Promise<SandboxSummary>;
  faults(f: Record<string, unknown>): Promise<void>;
}

export async function startSandbox(): Promise<SandboxHandle> {
  const sandbox = createMetrcSandbox({ randomSeed: 7 });
  const running = await sandbox.start(0);
  return {
    sandbox,
    running,
    async state() {
      return (await (await fetch(`${running.url}/__sandbox/state`)).json()) as SandboxSummary;
    },
    async faults(f) {
      const res = await fetch(`${running.url}/__sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
      if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`);
    },
  };
}

/** Config overrides that point the hub at the sandbox and keep test retries quick. */
export const metrcOverrides = (sandboxUrl: string, extra: Record<string, string> = {}) => ({
  METRC_BASE_URL: sandboxUrl,
  TEMPORAL_RETRY_INITIAL_INTERVAL_MS: '100',
  METRC_TIMEOUT: '5s',
  // The sandbox commits a write while answering it unless a hold fault says otherwise, so a short
  // window is safe here; tests of late commits set their own.
  METRC_SETTLE_WINDOW: '1s',
  METRC_SETTLE_CHECK_INTERVAL: '100ms',
  METRC_AUTH_RETRY_WINDOW: '1s',
  ...extra,
});

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const RETAILERS = ['SF-SBX-CO-3-9001', 'SF-SBX-CO-3-9002', 'SF-SBX-CO-3-9003'];
export const WHOLESALERS = ['SF-SBX-CO-21-8001', 'SF-SBX-CO-21-8002'];
export const eachPackages = (license: string) => DEMO_PACKAGES.filter((p) => p.licenseNumber === license && p.unitOfMeasure === 'Each');

export function receiptPayload(label: string, external = `POS-${randomUUID().slice(0, 12)}`) {
  return {
    SalesDateTime: '2026-03-01T14:05:00',
    ExternalReceiptNumber: external,
    SalesCustomerType: 'Consumer',
    Transactions: [{ PackageLabel: label, Quantity: 1, UnitOfMeasure: 'Each', TotalAmount: 10 }],
  };
}

export function templatePayload(name: string, recipient: string, labels: string[]) {
  return {
    Name: name,
    Destinations: [
      {
        RecipientLicenseNumber: recipient,
        TransferTypeName: 'Wholesale',
        EstimatedDepartureDateTime: '2026-03-01T15:00:00Z',
        EstimatedArrivalDateTime: '2026-03-02T15:00:00Z',
        Packages: labels.map((l) => ({ PackageLabel: l, WholesalePrice: 100 })),
      },
    ],
  };
}

export function adjustmentPayload(label: string, delta: number, reason = 'Damage') {
  return { Label: label, Quantity: delta, UnitOfMeasure: 'Each', AdjustmentReason: reason, AdjustmentDate: '2026-03-01' };
}

export async function createSubmission(base: string, headers: Record<string, string>, kind: string, license: string, payload: unknown) {
  const r = await request(base, 'POST', '/metrc-submissions', { kind, license_number: license, payload }, headers);
  if (r.status !== 201) throw new Error(`create submission → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: string; status: string };
}

export async function statusCounts(deps: ApiDeps, ids: string[]): Promise<Record<string, number>> {
  const [rows] = await deps.sequelize.query('SELECT status, COUNT(*) AS n FROM metrc_submissions WHERE id IN (?) GROUP BY status', { replacements: [ids] });
  return Object.fromEntries((rows as { status: string; n: number }[]).map((r) => [r.status, Number(r.n)]));
}

/** An order shipped from the sandbox wholesaler to the sandbox retailer, lines labelled with its packages. */
export async function orderOnSandboxLicenses(deps: Pick<ApiDeps, 'sequelize'>, labels: string[]) {
  const q = deps.sequelize;
  const location = async (license: string, type: 'wholesaler' | 'retailer') => {
    const [rows] = await q.query('SELECT id, entity_id FROM locations WHERE license_number = ?', { replacements: [license] });
    const found = (rows as { id: string; entity_id: string }[])[0];
    if (found) return found;
    const entityId = randomUUID();
    const id = randomUUID();
    await q.query("INSERT INTO entities (id, type, name, license_number, license_state, license_type) VALUES (?, ?, ?, ?, 'CO', 'Test')", {
      replacements: [entityId, type, `Sandbox ${license}`, `E-${license}`],
    });
    await q.query("INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'Site', '1 Main St', 'Denver', 'CO', '80202', ?)", {
      replacements: [id, entityId, license],
    });
    return { id, entity_id: entityId };
  };
  const from = await location(WHOLESALERS[0]!, 'wholesaler');
  const to = await location(RETAILERS[0]!, 'retailer');
  const orderId = randomUUID();
  const orderNumber = `ORD-T${Date.now().toString(36).toUpperCase()}`;
  const productId = randomUUID();
  await q.query("INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, 'Blue Dream', 'Flower')", { replacements: [productId, from.entity_id] });
  await q.query(
    `INSERT INTO orders (id, order_number, retailer_id, wholesaler_id, ship_from_location_id, ship_to_location_id, status, subtotal_minor, total_minor, item_count)
     VALUES (?, ?, ?, ?, ?, ?, 'accepted', 0, 0, ?)`,
    { replacements: [orderId, orderNumber, to.entity_id, from.entity_id, from.id, to.id, labels.length] },
  );
  for (const [i, label] of labels.entries()) {
    const variantId = randomUUID();
    await q.query("INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor) VALUES (?, ?, ?, ?, '3.5g', 2500)", {
      replacements: [variantId, productId, from.entity_id, `SKU-${orderNumber}-${i}`],
    });
    await q.query(
      'INSERT INTO order_items (id, order_id, product_id, variant_id, quantity, unit_price_minor, line_total_minor, metrc_package_label) VALUES (?, ?, ?, ?, 1, 2500, 2500, ?)',
      { replacements: [randomUUID(), orderId, productId, variantId, label] },
    );
  }
  return { orderId, orderNumber };
}
