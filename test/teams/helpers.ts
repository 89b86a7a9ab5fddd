import type { Db } from '../../src/db/database.js';
import type { TestApp } from '../helpers/app.js';

/**
 * A user with their personal account, as sign-up makes them once the accounts branch lands (until then the
 * migration made personal accounts only for users that existed before it).
 */
export async function createUser(db: Db, email: string, name = email.split('@')[0]!): Promise<number> {
  const now = new Date().toISOString();
  const [row] = await db('users').insert({ email, name, password_hash: 'x', role: 'user', created_at: now, updated_at: now }).returning('id');
  const userId = Number(typeof row === 'object' ? row.id : row);
  const [account] = await db('accounts').insert({ kind: 'personal', name, personal_user_id: userId, created_at: now, updated_at: now }).returning('id');
  await db('account_members').insert({ account_id: Number(typeof account === 'object' ? account.id : account), user_id: userId, role: 'owner', created_at: now, updated_at: now });
  return userId;
}

/** The newest team invitation link emailed to `to` (embedded outbox), waiting for its delivery. */
export async function invitationLink(t: { services: Pick<TestApp['services'], 'email'> }, to: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await t.services.email.idle();
    const emails = await t.services.email.outboxJson(to.toLowerCase());
    const link = emails.flatMap((e) => e.links).find((l) => new URL(l).pathname.startsWith('/teams/invitations/'));
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no invitation email to ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const tokenOf = (link: string) => new URL(link).pathname.split('/').pop()!;
