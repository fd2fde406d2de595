import { pino, type Logger } from 'pino';
import { config } from './config.js';

/**
 * Paths redacted from every log line: credentials must never reach logs, whatever object a
 * caller happens to log.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'mfaSecret',
  '*.mfaSecret',
  'credentials',
  '*.credentials',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

let root: Logger | undefined;
const NO_FIELDS = {};
let mixin: () => Record<string, unknown> = () => NO_FIELDS;

/**
 * Fields added to every line of every logger, e.g. trace_id/span_id once tracing is installed
 * (platform/telemetry). Until then the lines are as before.
 */
export function setLogMixin(fields: () => Record<string, unknown>): void {
  mixin = fields;
}

export function logger(): Logger {
  root ??= pino({
    level: config().logLevel,
    base: { service: process.env.TRELLIS_PROCESS ?? 'trellis' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => mixin(),
  });
  return root;
}
