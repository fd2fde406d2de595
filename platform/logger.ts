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

export function logger(): Logger {
  root ??= pino({
    level: config().logLevel,
    base: { service: process.env.TRELLIS_PROCESS ?? 'trellis' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  return root;
}
