import { describe, expect, it } from 'vitest';
import { checkFulfilmentLines, reminderTimes } from '../../../domain/orders/index.js';

const L1 = '1A4FF0100000022000000123';
const L2 = '1A4FF0100000022000000124';

describe('fulfilment lines', () => {
  it('accepts one valid label per line, in any order', () => {
    expect(checkFulfilmentLines(['a', 'b'], [{ item_id: 'b', metrc_package_label: L2 }, { item_id: 'a', metrc_package_label: L1 }])).toEqual([]);
  });
  it('names missing, unknown, duplicate and malformed lines', () => {
    expect(checkFulfilmentLines(['a', 'b'], undefined)).toEqual([{ field: 'lines', issue: expect.stringContaining('package label') }]);
    expect(checkFulfilmentLines(['a', 'b'], [{ item_id: 'a', metrc_package_label: L1 }])).toEqual([{ field: 'lines', issue: 'line b has no package label' }]);
    expect(checkFulfilmentLines(['a'], [{ item_id: 'a', metrc_package_label: L1 }, { item_id: 'z', metrc_package_label: L2 }])).toEqual([{ field: 'lines[1].item_id', issue: 'not a line of this order' }]);
    expect(checkFulfilmentLines(['a'], [{ item_id: 'a', metrc_package_label: L1 }, { item_id: 'a', metrc_package_label: L2 }])).toEqual([{ field: 'lines[1].item_id', issue: 'line listed twice' }]);
    expect(checkFulfilmentLines(['a'], [{ item_id: 'a', metrc_package_label: 'short' }])).toEqual([{ field: 'lines[0].metrc_package_label', issue: expect.stringContaining('24-character') }]);
  });
});

describe('acceptance reminders', () => {
  it('reminds halfway and ahead of the deadline', () => {
    expect(reminderTimes(0, 48, 12)).toEqual([24, 36]);
  });
  it('collapses duplicates and drops instants outside the window', () => {
    expect(reminderTimes(0, 48, 24)).toEqual([24]);
    expect(reminderTimes(0, 10, 50)).toEqual([5]);
    expect(reminderTimes(0, 10, 0)).toEqual([5]);
    expect(reminderTimes(10, 10, 1)).toEqual([]);
    expect(reminderTimes(0, 1, 0)).toEqual([]);
  });
});
