import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_DUTCHIE_CREDENTIALS } from '../../../sandboxes/pos/demo-credentials.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import { createConnector } from '../../../integrations/pos/index.js';

const SIZE = 100_000;
const CHUNK = 500;

const sandbox = createDutchieSandbox({ items: SIZE, seed: 3 });
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ url, close } = await sandbox.start(0));
});
afterAll(() => close());

describe('100k-item Dutchie snapshot', () => {
  it('arrives as bounded chunks while the server is still producing the body', async () => {
    const generated = vi.spyOn(sandbox.state.catalog, 'get');
    const connector = createConnector({
      vendor: 'dutchie',
      baseUrl: url,
      credentials: DEMO_DUTCHIE_CREDENTIALS,
      brands: 'none',
    });

    let chunks = 0;
    let total = 0;
    let largest = 0;
    let generatedAtFirstChunk = -1;
    const ids = new Set<string>();
    for await (const chunk of connector.snapshot({ chunkSize: CHUNK })) {
      if (chunks === 0) {
        // Give the server every chance to run ahead; with backpressure it stalls once the socket
        // buffers are full instead of producing the whole body for a consumer that is not reading.
        await new Promise((r) => setTimeout(r, 300));
        generatedAtFirstChunk = generated.mock.calls.length;
      }
      chunks++;
      total += chunk.length;
      largest = Math.max(largest, chunk.length);
      for (const r of chunk) if (r.ok) ids.add(r.item.vendorItemId);
    }

    expect(total).toBe(SIZE);
    expect(ids.size).toBe(SIZE);
    expect(chunks).toBe(SIZE / CHUNK);
    expect(largest).toBe(CHUNK);
    expect(generatedAtFirstChunk).toBeGreaterThan(0);
    expect(generatedAtFirstChunk).toBeLessThan(SIZE / 2);
  });
});
