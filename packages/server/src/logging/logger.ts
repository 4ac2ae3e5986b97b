import pino, { type Logger, type LoggerOptions } from 'pino';

/** Paths redacted from every log line: credentials must never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'password',
  'currentPassword',
  '*.password',
  '*.currentPassword',
  'key',
  '*.key',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
];

/** Options shared by the server's logger (Fastify creates per-request children with reqId). */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'waggle' },
  };
}

/** A standalone logger for code that runs outside a request (jobs, start-up). */
export function createLogger(level: string, category: string): Logger {
  return pino(loggerOptions(level)).child({ category });
}
