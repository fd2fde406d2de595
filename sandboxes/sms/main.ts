import { loadConfig } from '../../platform/config.js';
import { SANDBOX_ACCOUNT, startSmsSandbox } from './server.js';

/**
 * The Twilio sandbox for `npm start` (`tsx sandboxes/sms/main.ts`) on SMS_SANDBOX_PORT:
 * texts sent in development land here; GET /__sandbox/messages lists them.
 */
const cfg = loadConfig();
if (cfg.nodeEnv === 'production') throw new Error('The SMS sandbox is a development tool and does not run in production');
const sandbox = await startSmsSandbox(cfg.mail.sms.sandboxPort, SANDBOX_ACCOUNT);
console.log(`Twilio SMS sandbox: ${sandbox.url} (texts at ${sandbox.url}/__sandbox/messages)`);

const shutdown = () => void sandbox.close().then(() => process.exit(0));
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
