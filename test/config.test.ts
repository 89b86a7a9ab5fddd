import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { projectRoot } from '../src/paths.js';

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults to SQLite, port 3000 and simulation mode with nothing set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ client: 'sqlite', file: 'data/callbridge.sqlite' });
    expect(config.simulate).toBe(true);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.secureCookies).toBe(false);
  });

  it('listens on 127.0.0.1 in simulation mode (demo passwords are public), on 0.0.0.0 with real Twilio, or on HOST', () => {
    const real = { TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'secret', TWILIO_CALLER_ID: '+15005550006' };
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig(real).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...real, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });

  it('switches to PostgreSQL with DATABASE_URL and to real Twilio with credentials', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@h/db',
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'secret',
      TWILIO_CALLER_ID: '+15005550006',
    });
    expect(config.database).toEqual({ client: 'postgres', url: 'postgres://u@h/db' });
    expect(config.simulate).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', 'port number'],
    [{ PORT: '70000' }, 'PORT', ''],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', 'postgres://'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL', 'URL'],
    [{ TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID', 'AC followed by 32 hex digits'],
    [{ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` }, 'TWILIO_AUTH_TOKEN', 'set both'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET', '32 characters'],
    [{ LOW_BALANCE_THRESHOLD: 'lots' }, 'LOW_BALANCE_THRESHOLD', 'amount'],
    [{ ADMIN_EMAIL: 'boss@example.com' }, 'ADMIN_PASSWORD', 'set both'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN', '16 characters'],
    [{ METRICS_TOKEN: 'has a space in the token' }, 'METRICS_TOKEN', 'without spaces'],
  ])('names the bad variable: %o', (env, variable, expected) => {
    const err = errorFor(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
    expect(err.message).toContain(expected);
  });

  it('reads card top-up settings: the simulator without Stripe keys, both keys or neither, limits in micros', () => {
    const sim = loadConfig({});
    expect(sim.payments).toEqual({ secretKey: undefined, webhookSecret: undefined, apiBase: undefined, simPort: 3002, presetMicros: [5_000_000, 10_000_000, 20_000_000, 50_000_000], minMicros: 5_000_000, maxMicros: 500_000_000 });
    const real = loadConfig({ STRIPE_SECRET_KEY: 'sk_live_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_abc', TOP_UP_AMOUNTS: '10, 25.50', TOP_UP_MIN: '2.5', TOP_UP_MAX: '100' });
    expect(real.payments).toMatchObject({ secretKey: 'sk_live_abc123', webhookSecret: 'whsec_abc', presetMicros: [10_000_000, 25_500_000], minMicros: 2_500_000, maxMicros: 100_000_000 });
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET: set both/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' })).toThrow(/STRIPE_SECRET_KEY: expected a secret key/);
    expect(() => loadConfig({ TOP_UP_AMOUNTS: '5;10' })).toThrow(/TOP_UP_AMOUNTS/);
    expect(() => loadConfig({ TOP_UP_MIN: '50', TOP_UP_MAX: '10' })).toThrow(/TOP_UP_MIN: must not exceed TOP_UP_MAX/);
  });

  it('stops start-up with one line naming the bad variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr.trim()).toBe('callbridge cannot start. Invalid environment variable PORT: expected a port number. See .env.example.');
  });
});

describe('start-up warnings (issue 26 #11)', () => {
  it('warns about an https PUBLIC_URL without TRUST_PROXY, and not otherwise', async () => {
    const { loadConfig: load, startupWarnings } = await import('../src/config/config.js');
    expect(startupWarnings(load({ PUBLIC_URL: 'https://calls.example.com' }))).toEqual([expect.stringContaining('TRUST_PROXY')]);
    expect(startupWarnings(load({ PUBLIC_URL: 'https://calls.example.com', TRUST_PROXY: 'true' }))).toEqual([]);
    expect(startupWarnings(load({ PUBLIC_URL: 'http://localhost:3000' }))).toEqual([]);
  });
});
