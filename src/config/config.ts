import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535);
const url = z.url({ message: 'expected a URL such as http://localhost:3000' });
const nonNegativeInt = z.coerce.number({ message: 'expected a whole number' }).int().min(0);

/** Every environment variable the product reads. .env.example documents each one. */
const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(3000),
    HOST: z.string().min(1).optional(),
    PUBLIC_URL: url.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL (leave unset for the embedded SQLite database)')
      .optional(),
    SQLITE_FILE: z.string().min(1).default('data/callbridge.sqlite'),
    SESSION_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
    TRUST_PROXY: boolean.default(false),
    /** How long a call status request waits for a change before its 204 (milliseconds; benches shorten it). */
    STATUS_WAIT_MS: z.coerce.number({ message: 'expected a number of milliseconds such as 25000' }).int().min(1).max(60_000).default(25_000),
    ADMIN_EMAIL: z.email({ message: 'expected an email address' }).optional(),
    ADMIN_PASSWORD: z.string().min(10, 'expected at least 10 characters').optional(),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'expected AC followed by 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_CALLER_ID: z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number such as +15005550006').optional(),
    TWILIO_VERIFY_SERVICE_SID: z.string().regex(/^VA[0-9a-fA-F]{32}$/, 'expected VA followed by 32 hex digits').optional(),
    TWILIO_API_BASE: url.optional(),
    SIM_PORT: port.default(3001),
    SIM_SPEED: z.coerce.number({ message: 'expected a number such as 1 or 60' }).positive().default(1),
    CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'expected a 3-letter ISO 4217 code such as USD').default('USD'),
    LOW_BALANCE_THRESHOLD: z.coerce.number({ message: 'expected an amount such as 2.00' }).min(0).default(2),
    FREE_MINUTES_PER_MONTH: nonNegativeInt.default(0),
    JOBS_STORE: z.enum(['auto', 'sqlite', 'postgres', 'mongodb']).default('auto'),
    JOBS_MONGODB_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// URL').optional(),
    METRICS_TOKEN: z
      .string()
      .min(16, 'expected at least 16 characters')
      .regex(/^[\x21-\x7e]+$/, 'expected printable characters without spaces (it is sent as a bearer token)')
      .optional(),
    CONFIRM_ANSWER: boolean.default(true),
    /** Where call recordings are kept (relative paths are from the working directory). */
    RECORDINGS_DIR: z.string().min(1).default('data/recordings'),
    WEBHOOK_HTTP_HOSTS: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(\s*,\s*[A-Za-z0-9.-]+)*$/, 'expected host names separated by commas, e.g. crm.internal.example.com')
      .optional(),
    SMTP_URL: z
      .url({ message: 'expected an smtp:// or smtps:// URL such as smtps://user:password@smtp.example.com:465' })
      .regex(/^smtps?:\/\//, 'expected an smtp:// or smtps:// URL such as smtps://user:password@smtp.example.com:465')
      .optional(),
    MAIL_FROM: z
      .string()
      .regex(/^(?:[^<>@\r\n]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)$/, 'expected an address such as callbridge <no-reply@example.com> or no-reply@example.com')
      .optional(),
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'expected a secret key such as sk_test_…').optional(),
    STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'expected the endpoint signing secret, whsec_…').optional(),
    STRIPE_API_BASE: url.optional(),
    STRIPE_SIM_PORT: port.default(3002),
    TOP_UP_AMOUNTS: z
      .string()
      .regex(/^\s*\d{1,6}(\.\d{1,2})?(\s*,\s*\d{1,6}(\.\d{1,2})?){0,7}\s*$/, 'expected up to 8 amounts separated by commas, such as 5,10,20,50')
      .default('5,10,20,50'),
    TOP_UP_MIN: z.coerce.number({ message: 'expected an amount such as 5' }).positive().default(5),
    TOP_UP_MAX: z.coerce.number({ message: 'expected an amount such as 500' }).positive().max(999_999, 'at most 999999').default(500),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TWILIO_ACCOUNT_SID) !== Boolean(env.TWILIO_AUTH_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TWILIO_ACCOUNT_SID ? 'TWILIO_AUTH_TOKEN' : 'TWILIO_ACCOUNT_SID'],
        message: 'set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither to use the simulator',
      });
    }
    if (env.TWILIO_ACCOUNT_SID && !env.TWILIO_CALLER_ID) {
      ctx.addIssue({ code: 'custom', path: ['TWILIO_CALLER_ID'], message: 'required with real Twilio credentials' });
    }
    if (env.SMTP_URL && !env.MAIL_FROM) {
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'required with SMTP_URL: the From address of every email, such as callbridge <no-reply@example.com>' });
    }
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({ code: 'custom', path: [env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'], message: 'set both ADMIN_EMAIL and ADMIN_PASSWORD, or neither' });
    }
    if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({ code: 'custom', path: [env.STRIPE_SECRET_KEY ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY'], message: 'set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither to use the Stripe simulator' });
    }
    if (env.TOP_UP_MIN > env.TOP_UP_MAX) {
      ctx.addIssue({ code: 'custom', path: ['TOP_UP_MIN'], message: `must not exceed TOP_UP_MAX (${env.TOP_UP_MAX})` });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string;
  secureCookies: boolean;
  trustProxy: boolean;
  /** STATUS_WAIT_MS: the longest a status long poll waits. */
  statusWaitMs: number;
  logLevel: Env['LOG_LEVEL'];
  database: { client: 'sqlite'; file: string } | { client: 'postgres'; url: string };
  sessionSecret: string | undefined;
  admin: { email: string; password: string } | undefined;
  /** Simulation mode: no Twilio credentials, so the in-process simulator plays Twilio. */
  simulate: boolean;
  twilio: {
    accountSid: string | undefined;
    authToken: string | undefined;
    callerId: string | undefined;
    verifyServiceSid: string | undefined;
    apiBase: string | undefined;
  };
  sim: { port: number; speed: number };
  money: { currency: string; lowBalanceThresholdMicros: number; freeMinutesPerMonth: number };
  jobs: { store: Env['JOBS_STORE']; mongoUrl: string | undefined };
  /** Bearer token a Prometheus scraper sends to GET /metrics; admins can read it without one. */
  metricsToken: string | undefined;
  /**
   * Card top-ups through Stripe. secretKey undefined: the Stripe simulator (on simPort, or at apiBase if one runs
   * already). Amounts in micros of money.currency.
   */
  payments: {
    secretKey: string | undefined;
    webhookSecret: string | undefined;
    apiBase: string | undefined;
    simPort: number;
    presetMicros: number[];
    minMicros: number;
    maxMicros: number;
  };
  /** confirmAnswer: the user presses 1 before the destination is dialled, so a voicemail never gets connected. */
  calls: { confirmAnswer: boolean };
  /** dir: the folder behind the recordings' storage interface (an object store can replace it). */
  recordings: { dir: string };
  /** httpHosts: hosts an admin allows webhooks to reach over plain http (their addresses are still checked). */
  webhooks: { httpHosts: string[] };
  /** smtpUrl unset: every email goes to the embedded outbox (the emails table) instead of a mail server. */
  email: { smtpUrl: string | undefined; from: string };
}

export class ConfigError extends Error {
  constructor(readonly variable: string, readonly expected: string) {
    super(`Invalid environment variable ${variable}: ${expected}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into one typed object; the first bad variable throws a ConfigError naming it. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const env = parsed.data;
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const simulate = !env.TWILIO_ACCOUNT_SID;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    // The simulator's demo accounts have published passwords: only this machine may reach them unless HOST says otherwise.
    host: env.HOST ?? (simulate ? '127.0.0.1' : '0.0.0.0'),
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    trustProxy: env.TRUST_PROXY,
    statusWaitMs: env.STATUS_WAIT_MS,
    logLevel: env.LOG_LEVEL,
    database: env.DATABASE_URL ? { client: 'postgres', url: env.DATABASE_URL } : { client: 'sqlite', file: env.SQLITE_FILE },
    sessionSecret: env.SESSION_SECRET,
    admin: env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } : undefined,
    simulate,
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      callerId: env.TWILIO_CALLER_ID,
      verifyServiceSid: env.TWILIO_VERIFY_SERVICE_SID,
      apiBase: env.TWILIO_API_BASE,
    },
    sim: { port: env.SIM_PORT, speed: env.SIM_SPEED },
    money: {
      currency: env.CURRENCY,
      lowBalanceThresholdMicros: Math.round(env.LOW_BALANCE_THRESHOLD * 1_000_000),
      freeMinutesPerMonth: env.FREE_MINUTES_PER_MONTH,
    },
    jobs: { store: env.JOBS_STORE, mongoUrl: env.JOBS_MONGODB_URL },
    metricsToken: env.METRICS_TOKEN,
    calls: { confirmAnswer: env.CONFIRM_ANSWER },
    recordings: { dir: env.RECORDINGS_DIR },
    webhooks: { httpHosts: env.WEBHOOK_HTTP_HOSTS ? env.WEBHOOK_HTTP_HOSTS.split(',').map((h) => h.trim().toLowerCase()) : [] },
    email: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM ?? `callbridge <no-reply@${new URL(publicUrl).hostname}>` },
    payments: {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      apiBase: env.STRIPE_API_BASE,
      simPort: env.STRIPE_SIM_PORT,
      presetMicros: env.TOP_UP_AMOUNTS.split(',').map((a) => Math.round(Number(a.trim()) * 1_000_000)),
      minMicros: Math.round(env.TOP_UP_MIN * 1_000_000),
      maxMicros: Math.round(env.TOP_UP_MAX * 1_000_000),
    },
  };
}

/**
 * Settings that start but will not work as the operator expects; logged as warnings at start-up. An https PUBLIC_URL
 * makes the session cookie Secure, and behind a TLS-terminating proxy the app sees plain http unless TRUST_PROXY
 * says to believe the proxy's X-Forwarded-Proto: then no log-in cookie is ever set and log-in loops.
 */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.publicUrl.startsWith('https://') && !config.trustProxy) {
    warnings.push(
      'PUBLIC_URL is https:// but TRUST_PROXY is not set: behind a TLS-terminating proxy log-in will loop (the Secure session cookie is never sent over the proxy-to-app http). Set TRUST_PROXY=true when a proxy you control is the only way in; see docs/security.md.',
    );
  }
  return warnings;
}
