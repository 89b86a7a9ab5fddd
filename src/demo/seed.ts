import { argon2Hasher } from '../accounts/passwords.js';
import type { AccountsService } from '../accounts/accounts-service.js';
import type { SessionsRepository } from '../accounts/sessions-repository.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { Clock } from '../clock.js';

/** The services demo seeding uses (a slice of the composed services; named here so demo/ does not import src/services.ts). */
export interface DemoServices {
  clock: Clock;
  users: UsersRepository;
  sessions: SessionsRepository;
  accounts: AccountsService;
  money: { wallet: { credit(userId: number, grant: { kind: 'grant'; amountMicros: number; description: string }): Promise<unknown> } };
}

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
export async function seedDemoAccounts(services: DemoServices): Promise<SeededDemo> {
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

/** The demo log-ins whose documented password still works here: start-up prints only these, never a stale one. */
export async function workingDemoLogIns(services: DemoServices): Promise<Array<{ label: string; email: string; password: string }>> {
  const candidates = [
    { label: 'demo user', email: DEMO_USER.email, password: DEMO_USER.password },
    { label: 'demo admin', email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
  ];
  const working = [];
  for (const candidate of candidates) if (await services.accounts.authenticate(candidate.email, candidate.password)) working.push(candidate);
  return working;
}

/**
 * Real Twilio configured: the demo accounts (if this database has them) are refused at log-in by the accounts
 * service; here their open sessions end too. Returns how many demo accounts exist.
 */
export async function switchOffDemoAccounts(services: DemoServices): Promise<number> {
  const ids: number[] = [];
  for (const email of DEMO_EMAILS) {
    const found = await services.users.findCredentialsByEmail(email);
    if (found) ids.push(found.user.id);
  }
  await services.sessions.endAll(ids);
  return ids.length;
}
