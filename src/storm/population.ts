import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { argon2Hasher } from '../accounts/passwords.js';
import { systemClock } from '../clock.js';
import { createDb, migrateToLatest, type Db } from '../db/database.js';
import { dataDir } from '../paths.js';
import { seedRatesIfEmpty } from '../rates/rate-deck-service.js';
import { WalletService } from '../wallet/wallet-service.js';

export interface StormDatabase {
  db: Db;
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
    await prepare(db);
    return { db, env: { SQLITE_FILE: file }, describe: file, drop: () => db.destroy() };
  }
  const name = `storm_${randomBytes(4).toString('hex')}`;
  const admin = createDb({ client: 'postgres', url: options.serverUrl });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(options.serverUrl);
  url.pathname = `/${name}`;
  const db = createDb({ client: 'postgres', url: url.toString() });
  await prepare(db);
  return {
    db,
    env: { DATABASE_URL: url.toString() },
    describe: url.toString(),
    async drop() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

async function prepare(db: Db): Promise<void> {
  await migrateToLatest(db);
  // Seeded here, once: N instances starting together on an empty table would each import the deck.
  await seedRatesIfEmpty(db, join(dataDir, 'rates.csv'), systemClock);
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
 * Users with a verified phone and credit, written straight to the database (signing up and verifying 200 phones
 * over HTTP would test sign-up, not calls). Credit goes through WalletService, so every grant has its ledger row.
 */
export async function createStormUsers(
  db: Db,
  count: number,
  credit: { richMicros: number; tightMicros: number; tightEvery: number },
  firstIndex = 0,
): Promise<StormUser[]> {
  const hash = await argon2Hasher().hash(STORM_PASSWORD);
  const wallet = new WalletService({ db, clock: systemClock, freeMinutesPerMonth: 0 });
  const now = new Date().toISOString();
  const users: StormUser[] = [];
  for (let i = firstIndex; i < firstIndex + count; i++) {
    const email = `storm-${i}@storm.test`;
    const phone = `+1500557${String(i).padStart(4, '0')}`;
    const [row] = await db('users')
      .insert({ email, name: `Storm ${i}`, password_hash: hash, role: 'user', phone_e164: phone, phone_verified_at: now, email_confirmed_at: now, created_at: now, updated_at: now })
      .returning('id');
    const id = Number(typeof row === 'object' ? (row as { id: number }).id : row);
    const tight = i % credit.tightEvery === credit.tightEvery - 1;
    await wallet.credit(id, { kind: 'grant', amountMicros: tight ? credit.tightMicros : credit.richMicros, description: 'Storm credit' });
    users.push({ id, email, phone, address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, tight });
  }
  return users;
}
