// The ordered list of migrations. Imported statically (not globbed) so the same list runs under
// tsx, vitest and the production image without a loader for .ts files.
import * as m0001 from './0001-core-schema.js';
import * as m0002 from './0002-identity.js';
import * as m0005 from './0005-pos.js';
import * as m0003 from './0003-order-events.js';
import * as m0004 from './0004-metrc.js';
import * as m0006 from './0006-pos-packages.js';
import * as m0007 from './0007-metrc-settle.js';
import * as m0008 from './0008-onboarding.js';
import * as m0009 from './0009-notifications.js';
import * as m0010 from './0010-key-rotation.js';
import * as m0011 from './0011-notification-contacts.js';
import * as m0012 from './0012-notification-preferences.js';
import * as m0013 from './0013-in-app-notifications.js';
import * as m0014 from './0014-product-strain.js';
import * as m0015 from './0015-reports.js';
import * as m0016 from './0016-order-events-outbox.js';
import * as m0017 from './0017-report-schedule-cron.js';
import * as m0018 from './0018-report-schedule-state.js';

export const MIGRATIONS = [{ name: '0001-core-schema', ...m0001 }, { name: '0002-identity', ...m0002 }, { name: '0003-order-events', ...m0003 }, { name: '0004-metrc', ...m0004 }, { name: '0005-pos', ...m0005 }, { name: '0006-pos-packages', ...m0006 }, { name: '0007-metrc-settle', ...m0007 }, { name: '0008-onboarding', ...m0008 }, { name: '0009-notifications', ...m0009 }, { name: '0010-key-rotation', ...m0010 }, { name: '0011-notification-contacts', ...m0011 }, { name: '0012-notification-preferences', ...m0012 }, { name: '0013-in-app-notifications', ...m0013 }, { name: '0014-product-strain', ...m0014 }, { name: '0015-reports', ...m0015 }, { name: '0016-order-events-outbox', ...m0016 }, { name: '0017-report-schedule-cron', ...m0017 }, { name: '0018-report-schedule-state', ...m0018 }];
