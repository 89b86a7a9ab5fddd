import { parseArgs } from 'node:util';
import { DEFAULT_HARNESS_NICE } from './harness-priority.js';

export const FAULTS = ['duplicate', 'shuffle', 'delay', 'drop', 'rest-errors', 'slow-rest'] as const;
export type Fault = (typeof FAULTS)[number];

export interface StormOptions {
  calls: number;
  concurrency: number;
  /** Calls started per second (open loop), spread over the users; undefined: each user calls again at once. */
  rate: number | undefined;
  instances: number;
  db: 'sqlite' | 'postgres';
  /** Server URL to create the storm's throw-away database on (PostgreSQL only). */
  databaseUrl: string;
  faults: ReadonlySet<Fault>;
  /** Simulated seconds per real second: 60 makes a one-minute call last one second. */
  speed: number;
  /** Seconds a call may run past the talk time its hold paid for before it counts as outliving its credit. */
  graceSeconds: number;
  /** Real seconds to wait, after the last call, for every hold to be settled (reconciliation included). */
  settleTimeoutSeconds: number;
  /** Users top up by card over HTTP (Stripe simulator, its faults with --faults) and the audit covers money in. */
  topUps: boolean;
  /** Keep the database and print where it is, for a look afterwards. */
  keep: boolean;
  /** Nice value (0-19) of the driver, proxy and simulator while driving; the instances and the database keep 0. */
  harnessNice: number;
}

export class StormUsageError extends Error {}

export const USAGE = `npm run storm -- [--calls N] [--concurrency C] [--rate R] [--instances K] [--db sqlite|postgres]
                     [--faults all|none|${FAULTS.join(',')}] [--speed S] [--grace S] [--settle-timeout S]
                     [--database-url postgres://...] [--harness-nice 0-19] [--top-ups] [--keep]`;

/** Parses the command line; every mistake names the option and what it expects. */
export function parseStormOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): StormOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        calls: { type: 'string', default: '200' },
        concurrency: { type: 'string', default: '20' },
        rate: { type: 'string' },
        instances: { type: 'string' },
        db: { type: 'string', default: 'sqlite' },
        faults: { type: 'string', default: 'none' },
        speed: { type: 'string', default: '60' },
        grace: { type: 'string', default: '5' },
        'settle-timeout': { type: 'string', default: '900' },
        'database-url': { type: 'string' },
        'harness-nice': { type: 'string', default: String(DEFAULT_HARNESS_NICE) },
        keep: { type: 'boolean', default: false },
        'top-ups': { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new StormUsageError((err as Error).message);
  }
  const db = values.db;
  if (db !== 'sqlite' && db !== 'postgres') throw new StormUsageError(`--db: expected sqlite or postgres, got "${db}"`);
  const instances = positiveInt('--instances', values.instances ?? (db === 'postgres' ? '3' : '1'));
  if (db === 'sqlite' && instances !== 1) throw new StormUsageError('--instances: SQLite is one embedded database file, so one instance; use --db postgres for several');
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (db === 'postgres' && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new StormUsageError(`--database-url: expected a postgres:// URL, got "${databaseUrl}"`);
  return {
    calls: positiveInt('--calls', values.calls),
    concurrency: positiveInt('--concurrency', values.concurrency),
    rate: values.rate === undefined ? undefined : positiveNumber('--rate', values.rate),
    instances,
    db,
    databaseUrl,
    faults: parseFaults(values.faults),
    speed: positiveNumber('--speed', values.speed),
    graceSeconds: nonNegativeNumber('--grace', values.grace),
    settleTimeoutSeconds: positiveNumber('--settle-timeout', values['settle-timeout']),
    keep: values.keep,
    topUps: values['top-ups'],
    harnessNice: niceValue('--harness-nice', values['harness-nice']),
  };
}

function parseFaults(value: string): ReadonlySet<Fault> {
  if (value === 'all') return new Set(FAULTS);
  if (value === 'none' || value === '') return new Set();
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(FAULTS as readonly string[]).includes(n));
  if (unknown.length) throw new StormUsageError(`--faults: unknown fault "${unknown[0]}"; expected all, none or a list of ${FAULTS.join(', ')}`);
  return new Set(names as Fault[]);
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new StormUsageError(`${name}: expected a whole number of at least 1, got "${value}"`);
  return n;
}

function niceValue(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new StormUsageError(`${name}: expected a whole number from 0 (same priority as the instances) to 19 (lowest), got "${value}"`);
  return n;
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new StormUsageError(`${name}: expected a number above 0, got "${value}"`);
  return n;
}

function nonNegativeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new StormUsageError(`${name}: expected a number of 0 or more, got "${value}"`);
  return n;
}
