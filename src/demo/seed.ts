import { argon2Hasher } from '../accounts/passwords.js';
import type { Services } from '../app.js';

export const DEMO_USER = { email: 'demo@callbridge.test', password: 'demo-password', name: 'Demo User', phone: '+14155550100' } as const;
export const DEMO_ADMIN = { email: 'admin@callbridge.test', password: 'admin-password', name: 'Demo Admin' } as const;
/** The accounts whose passwords are published: refused at log-in whenever real Twilio credentials are configured. */
export const DEMO_EMAILS: readonly string[] = [DEMO_USER.email, DEMO_ADMIN.email];

/** $5.00 in micro-units: enough for a few minutes to most destinations in the sample deck. */
const DEMO_CREDIT_MICROS = 5_000_000;

export interface SeededDemo {
  created: boolean;
}

/**
 * Simulation mode only: a fresh database gets a demo user (verified phone, some credit) and a demo admin, so a
 * person can try the product at once. An existing database is left as it is.
 */
export async function seedDemoAccounts(services: Services): Promise<SeededDemo> {
  if ((await services.users.count()) > 0) return { created: false };
  const now = services.clock.now().toISOString();
  const demoUser = await services.users.insert(
    { email: DEMO_USER.email, name: DEMO_USER.name, passwordHash: await argon2Hasher().hash(DEMO_USER.password), role: 'user', phoneE164: DEMO_USER.phone, phoneVerifiedAt: now },
    now,
  );
  await services.money.wallet.credit(demoUser.id, { kind: 'grant', amountMicros: DEMO_CREDIT_MICROS, description: 'Demo credit' });
  await services.accounts.ensureAdmin(DEMO_ADMIN.email, DEMO_ADMIN.password, DEMO_ADMIN.name);
  return { created: true };
}
