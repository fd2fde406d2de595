import type { BlazeCredentials } from '../../integrations/pos/blaze/types.js';
import type { DutchieCredentials } from '../../integrations/pos/dutchie/types.js';

/** Keys the local sandboxes accept by default. Not secrets: they only open the sandboxes. */
export const DEMO_DUTCHIE_CREDENTIALS: DutchieCredentials = {
  locationKey: 'demo-dutchie-location-key',
  integratorKey: 'demo-dutchie-integrator-key',
};

export const DEMO_BLAZE_CREDENTIALS: BlazeCredentials = {
  partnerKey: 'demo-blaze-partner-key',
  storeKey: 'demo-blaze-store-key',
};
