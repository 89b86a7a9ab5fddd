import { join } from 'node:path';
import type { BuiltApp } from '../../../src/app.js';
import { argon2Hasher } from '../../../src/accounts/passwords.js';
import { systemClock } from '../../../src/clock.js';
import { dataDir } from '../../../src/paths.js';
import { seedRatesIfEmpty } from '../../../src/rates/rate-deck-service.js';
import type { RunningSimulator } from '../../../src/sim/simulator.js';
import type { TestDb } from '../../helpers/db.js';
import { startProductStack } from '../../helpers/product-stack.js';

/** A manual handset: it rings on /phones until someone answers it there. */
export const CALLER = { email: 'caller@example.com', password: 'a long enough password', phone: '+12015550123' } as const;
export const CALLER_CREDIT_MICROS = 5_000_000;

export interface CallStack {
  sim: RunningSimulator;
  testDb: TestDb;
  built: BuiltApp;
  base: string;
  userId: number;
  close(): Promise<void>;
}

/**
 * The product as src/main.ts wires it, on ephemeral ports: the app with the embedded simulator's phones page,
 * PUBLIC_URL set to the app's real URL (so the simulator's signed webhooks validate), a real Agenda scheduler on
 * the test database, the sample rate deck, and one user with a verified phone and credit.
 */
export async function startCallStack(options: { statusWaitMs?: number } = {}): Promise<CallStack> {
  // CONFIRM_ANSWER is left at its default (on): the user presses 1 on the handset page.
  const stack = await startProductStack({ clock: systemClock, speed: 1, simRateDeckFile: join(dataDir, 'rates.csv'), phones: true, ...options });
  const { sim, testDb, built, baseUrl: base } = stack;
  await seedRatesIfEmpty(testDb.db, join(dataDir, 'rates.csv'), systemClock);
  await built.services.money.rates.reload();
  const hasher = argon2Hasher({ memoryCost: 1024, timeCost: 1 });

  const now = new Date().toISOString();
  const user = await built.services.users.insert({ email: CALLER.email, name: 'Caller', passwordHash: await hasher.hash(CALLER.password), role: 'user', phoneE164: CALLER.phone, phoneVerifiedAt: now, emailConfirmedAt: now }, now);
  await built.services.money.wallet.credit(user.id, { kind: 'grant', amountMicros: CALLER_CREDIT_MICROS, description: 'Browser test credit' });

  return { sim, testDb, built, base, userId: Number(user.id), close: () => stack.close() };
}

/** Logs the stack's caller in through the log-in form, as a person does, and waits for the dial page. */
export async function logInAsCaller(page: import('playwright-core').Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(CALLER.email);
  await page.getByLabel('Password').fill(CALLER.password);
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL(`${base}/`, { waitUntil: 'load' });
}
