import pino, { type Logger } from 'pino';

/** Secrets never reach the log: cookies, passwords, tokens and Twilio signatures are redacted wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'authToken',
  '*.authToken',
  'sessionSecret',
  '*.sessionSecret',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
