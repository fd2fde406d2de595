import { pino, type DestinationStream, type Logger } from 'pino';
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

/**
 * One short shape for a request or response wherever one is logged (pino-http's request line, or
 * any other line that happens to carry one): the raw objects hold every header, credentials included.
 */
export const requestSerializers = {
  req: (req: { id?: unknown; method?: string; url?: string; originalUrl?: string }) => ({ id: req.id, method: req.method, url: req.originalUrl ?? req.url }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

let root: Logger | undefined;
let destination: DestinationStream | undefined;
const NO_FIELDS = {};

/** Where the process logger writes instead of stdout (log-capture tests); before its first use. */
export function setLogDestination(stream: DestinationStream): void {
  if (root) throw new Error('setLogDestination: the logger is already in use');
  destination = stream;
}
let mixin: () => Record<string, unknown> = () => NO_FIELDS;

/**
 * Fields added to every line of every logger, e.g. trace_id/span_id once tracing is installed
 * (platform/telemetry). Until then the lines are as before.
 */
export function setLogMixin(fields: () => Record<string, unknown>): void {
  mixin = fields;
}

export function logger(): Logger {
  if (!root) {
    const options = {
      level: config().logLevel,
      base: { service: process.env.TRELLIS_PROCESS ?? 'trellis' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: requestSerializers,
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => mixin(),
    };
    root = destination ? pino(options, destination) : pino(options);
  }
  return root;
}
