import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import { loadConfig } from '../../src/config/config.js';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { dataDir } from '../../src/paths.js';
import { composeServices, type ComposedServices } from '../../src/services.js';

export interface StormDatabase {
  /** For the audit's reads: the storm checks the instances' work straight from the tables. */
  db: Db;
  /** The product's services on this database (no Twilio, no jobs): how the storm creates users and credit. */
  services: ComposedServices;
  /** What the instances get: DATABASE_URL or SQLITE_FILE. */
  env: NodeJS.ProcessEnv;
  describe: string;
  drop(): Promise<void>;
}

/** A throw-away database, migrated and with the sample rate deck, before any instance starts. */
export async function createStormDatabase(options: { kind: 'sqlite' | 'postgres'; serverUrl: string; dir: string }): Promise<StormDatabase> {
  if (options.kind === 'sqlite') {
    const file = join(options.dir, 'storm.sqlite');
    const db = createDb({ client: 'sqlite', file });
    const env = { SQLITE_FILE: file };
    const services = await prepare(db, env);
    return { db, services, env, describe: file, drop: () => db.destroy() };
  }
  const name = `storm_${randomBytes(4).toString('hex')}`;
  const admin = createDb({ client: 'postgres', url: options.serverUrl });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(options.serverUrl);
  url.pathname = `/${name}`;
  const db = createDb({ client: 'postgres', url: url.toString() });
  const env = { DATABASE_URL: url.toString() };
  const services = await prepare(db, env);
  return {
    db,
    services,
    env,
    describe: url.toString(),
    async drop() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

async function prepare(db: Db, env: NodeJS.ProcessEnv): Promise<ComposedServices> {
  await migrateToLatest(db);
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const services = await composeServices(config, { db, telephony: null, jobs: null, stripe: false, logger: createLogger('silent'), sessionSecret: 'storm-population-has-no-sessions' });
  // Seeded here, once: N instances starting together on an empty table would each import the deck.
  await services.seedRatesIfEmpty(join(dataDir, 'rates.csv'));
  return services;
}

export interface StormUser {
  id: number;
  email: string;
  phone: string;
  /** A made-up client address (X-Forwarded-For), so per-address log-in limits see one person per user. */
  address: string;
  /** Tight users have little credit: their long calls hit the credit limit, later ones are refused. */
  tight: boolean;
}

export const STORM_PASSWORD = 'storm password 1234';

/**
 * Users with a verified phone and credit, created through the services (signing up and verifying 200 phones over
 * HTTP would test sign-up, not calls). Credit goes through the wallet service, so every grant has its ledger row.
 */
export async function createStormUsers(
  services: Pick<ComposedServices, 'users' | 'money'>,
  count: number,
  credit: { richMicros: number; tightMicros: number; tightEvery: number },
  firstIndex = 0,
): Promise<StormUser[]> {
  const hash = await argon2Hasher().hash(STORM_PASSWORD);
  const now = new Date().toISOString();
  const users: StormUser[] = [];
  for (let i = firstIndex; i < firstIndex + count; i++) {
    const email = `storm-${i}@storm.test`;
    const phone = `+1500557${String(i).padStart(4, '0')}`;
    const user = await services.users.insert({ email, name: `Storm ${i}`, passwordHash: hash, role: 'user', phoneE164: phone, phoneVerifiedAt: now, emailConfirmedAt: now }, now);
    const id = Number(user.id);
    const tight = i % credit.tightEvery === credit.tightEvery - 1;
    await services.money.wallet.credit(id, { kind: 'grant', amountMicros: tight ? credit.tightMicros : credit.richMicros, description: 'Storm credit' });
    users.push({ id, email, phone, address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, tight });
  }
  return users;
}
