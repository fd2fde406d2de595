/** After the match: the manifest is checked now and then; the first drift is reported and ends the watch. */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { stopWatchSignal, type MetrcTransferWatchInput } from '../../contracts/metrc.js';
import { toRetryPolicy } from '../retry.js';
import { tellOrder } from './reports.js';

export async function metrcTransferWatch(input: MetrcTransferWatchInput): Promise<{ drift: boolean; detail?: string }> {
  const { checkMetrcManifestDrift } = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: toRetryPolicy(input.retry),
  });
  let stop = false;
  setHandler(stopWatchSignal, () => {
    stop = true;
  });
  while (Date.now() < input.untilMs && !stop) {
    await condition(() => stop, input.intervalMs);
    if (stop) break;
    let check;
    try {
      check = await checkMetrcManifestDrift({ ...input.query, transferId: input.transferId });
    } catch {
      continue; // METRC unreachable for a while: look again next interval
    }
    if (check.drift) {
      const delivered = await tellOrder(input.orderId, {
        state: 'drift',
        manifestNumber: input.manifestNumber,
        detail: check.detail,
      });
      return { drift: true, detail: check.detail + (delivered ? '' : ' (order workflow gone)') };
    }
  }
  return { drift: false };
}
