import { loadConfig } from '../../platform/config.js';
import { startMailCatcher } from './catcher.js';

/**
 * The local mail catcher for `npm start` (`tsx sandboxes/mail/main.ts`): SMTP on
 * MAIL_CATCHER_SMTP_PORT (where SMTP_HOST/SMTP_PORT point by default outside production), the
 * caught messages as JSON on MAIL_CATCHER_HTTP_PORT. Messages live in memory until it stops.
 */
const cfg = loadConfig();
if (cfg.nodeEnv === 'production') throw new Error('The mail catcher is a development tool and does not run in production');
const catcher = await startMailCatcher({ smtpPort: cfg.mail.catcher.smtpPort, httpPort: cfg.mail.catcher.httpPort });
console.log(`Mail catcher: SMTP 127.0.0.1:${catcher.smtpPort}, caught mail at http://127.0.0.1:${catcher.httpPort}/__mail`);

const shutdown = () => void catcher.stop().then(() => process.exit(0));
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
