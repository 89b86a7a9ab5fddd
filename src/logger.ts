import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';

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

export interface LoggerOptions {
  /** One readable line per entry instead of JSON: for a person at a terminal (main.ts: stdout is a TTY). */
  pretty?: boolean;
  /** Where lines go; stdout by default. Tests pass their own to read what was logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const settings = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  const out = options.destination ?? process.stdout;
  if (options.pretty) return pino(settings, prettyStream(out));
  return options.destination ? pino(settings, options.destination as DestinationStream) : pino(settings);
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields every entry has, or that the line already shows in its own way. */
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err', 'req', 'res', 'responseTime']);

/**
 * A pino JSON entry as one line a person can scan: `12:03:04 info  message  key=value`. Requests read as
 * `GET /wallet 200 12ms 3.1 kB`; errors add their stack on the following lines.
 */
export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '';
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5);
  const parts = [time, level, String(entry.msg ?? '')];
  const req = entry.req as { method?: string; url?: string } | undefined;
  const res = entry.res as { statusCode?: number; bytes?: number } | undefined;
  if (req?.method) {
    const status = res?.statusCode ? ` ${res.statusCode}` : '';
    const time = entry.responseTime !== undefined ? ` ${String(entry.responseTime)}ms` : '';
    const size = res?.bytes !== undefined ? ` ${formatBytes(res.bytes)}` : '';
    parts.push(`${req.method} ${req.url ?? ''}${status}${time}${size}`);
  }
  const extras = Object.entries(entry)
    .filter(([key]) => !SHOWN_ELSEWHERE.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  if (extras.length > 0) parts.push(extras.join(' '));
  const err = entry.err as { stack?: string; message?: string } | undefined;
  const line = parts.filter(Boolean).join('  ');
  return err ? `${line}\n${err.stack ?? err.message ?? ''}` : line;
}

function formatBytes(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} kB`;
}

function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const json of String(chunk).split('\n')) if (json) out.write(`${formatLogLine(json)}\n`);
      done();
    },
  });
}
