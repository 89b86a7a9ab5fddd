import { randomBytes } from 'node:crypto';
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
  /** The log-ins whose passwords were generated at this start (DEMO_PUBLIC): printed once, never stored in clear. */
  generated: Array<{ label: string; email: string; password: string }>;
}

/** A password for a publicly reachable demo: 16 random base32-ish characters, nothing published. */
export function generatedDemoPassword(): string {
  return randomBytes(12).toString('base64url');
}

/** Loopback addresses: only this machine can reach a server listening there. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * Whether simulation mode may start on `host` (issue 26, finding 7): its demo accounts, its /phones page (every
 * Verify code, anyone's calls answered) are for this machine only. Elsewhere it starts only when the operator says
 * it is a public demo (DEMO_PUBLIC=true), and then the demo passwords are generated, not the published ones.
 */
export function demoExposure(config: { simulate: boolean; host: string; demoPublic: boolean }): 'not-simulating' | 'loopback' | 'public-demo' | 'refuse' {
  if (!config.simulate) return 'not-simulating';
  if (isLoopbackHost(config.host)) return 'loopback';
  return config.demoPublic ? 'public-demo' : 'refuse';
}

/**
 * Simulation mode only: a fresh database gets a demo user (verified phone, some credit) and a demo admin, so a
 * person can try the product at once. An existing database is left as it is.
 */
export async function seedDemoAccounts(services: DemoServices, options: { publicDemo?: boolean } = {}): Promise<SeededDemo> {
  if ((await services.users.count()) > 0) return { created: false, generated: options.publicDemo ? await replacePublishedPasswords(services) : [] };
  const now = services.clock.now().toISOString();
  const userPassword = options.publicDemo ? generatedDemoPassword() : DEMO_USER.password;
  const adminPassword = options.publicDemo ? generatedDemoPassword() : DEMO_ADMIN.password;
  const demoUser = await services.users.insert(
    { email: DEMO_USER.email, name: DEMO_USER.name, passwordHash: await argon2Hasher().hash(userPassword), role: 'user', phoneE164: DEMO_USER.phone, phoneVerifiedAt: now, emailConfirmedAt: now },
    now,
  );
  await services.money.wallet.credit(demoUser.id, { kind: 'grant', amountMicros: DEMO_CREDIT_MICROS, description: 'Demo credit' });
  await services.accounts.ensureAdmin(DEMO_ADMIN.email, adminPassword, DEMO_ADMIN.name);
  const generated = options.publicDemo
    ? [{ label: 'demo user', email: DEMO_USER.email, password: userPassword }, { label: 'demo admin', email: DEMO_ADMIN.email, password: adminPassword }]
    : [];
  return { created: true, generated };
}

/**
 * A database seeded on loopback (published passwords) and now started publicly: any demo log-in whose published
 * password still works gets a generated one (printed once) and its sessions end.
 */
async function replacePublishedPasswords(services: DemoServices): Promise<SeededDemo['generated']> {
  const replaced = [];
  for (const login of await workingDemoLogIns(services)) {
    const found = await services.users.findCredentialsByEmail(login.email);
    if (!found) continue;
    const password = generatedDemoPassword();
    await services.users.updatePassword(found.user.id, await argon2Hasher().hash(password), services.clock.now().toISOString());
    await services.sessions.endAll([found.user.id]);
    replaced.push({ label: login.label, email: login.email, password });
  }
  return replaced;
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
