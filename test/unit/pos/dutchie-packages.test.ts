import { describe, expect, it } from 'vitest';
import { DEMO_DUTCHIE_CREDENTIALS } from '../../../sandboxes/pos/demo-credentials.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import { createConnector } from '../../../integrations/pos/index.js';
import { collect, items } from './helpers.js';

describe('Dutchie sandbox: one inventory row per package of a product', () => {
  it('lists several packages under one SKU and product, each with its own id, tag and quantity', async () => {
    const { url, close } = await createDutchieSandbox({ items: 9, sales: 0, packagesPerSku: 3 }).start(0);
    try {
      const dutchie = createConnector({ vendor: 'dutchie', baseUrl: url, credentials: DEMO_DUTCHIE_CREDENTIALS });
      const got = items((await collect(dutchie.snapshot({ chunkSize: 100 }))).flat());
      expect(got).toHaveLength(9);
      const bySku = new Map<string, typeof got>();
      for (const i of got) bySku.set(i.sku, [...(bySku.get(i.sku) ?? []), i]);
      expect(bySku.size).toBe(3);
      for (const packages of bySku.values()) {
        expect(packages).toHaveLength(3);
        expect(new Set(packages.map((p) => p.vendorItemId)).size).toBe(3);
        expect(new Set(packages.map((p) => p.packageLabel)).size).toBe(3);
        // Product attributes are the product's, the same on every package.
        expect(new Set(packages.map((p) => `${p.name}|${p.category}|${p.unitOfMeasure}|${p.priceMinor}`)).size).toBe(1);
      }
      const auth = `Basic ${Buffer.from(`${DEMO_DUTCHIE_CREDENTIALS.locationKey}:${DEMO_DUTCHIE_CREDENTIALS.integratorKey}`).toString('base64')}`;
      const raw = (await (await fetch(`${url}/inventory`, { headers: { authorization: auth } })).json()) as Array<{ productId: number; sku: string }>;
      expect(new Set(raw.map((r) => r.productId)).size).toBe(3);
      const products = (await (await fetch(`${url}/reporting/products`, { headers: { authorization: auth } })).json()) as Array<{ productId: number; sku: string }>;
      expect(products.map((p) => p.sku).sort()).toEqual([...bySku.keys()].sort());
    } finally {
      await close();
    }
  });
});
