import type { Logger } from 'pino';
import type { Knex } from 'knex';
import { recordAudit } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import { isSqlite, type Db } from '../../db/database.js';
import { formatMoney } from '../../money/currency.js';
import { formatMicros } from '../../money/micros.js';
import { ReferenceInUseError, type Ledger } from '../../ledger/ledger.js';
import { InsufficientCreditError } from '../../ledger/wallet-rows.js';
import type { EndLiveCall } from '../admin-services.js';
import { deleteSessionsOf } from './user-sessions.js';

export type AdminOutcome = { ok: true; message: string } | { ok: false; status: number; message: string; field?: string };

interface UserRecord {
  id: number;
  email: string;
  role: string;
  disabled_at: string | null;
  daily_spend_cap_micros: number | string | null;
  concurrent_call_limit: number | null;
}

class NoSuchUser extends Error {}

const notFound: AdminOutcome = { ok: false, status: 404, message: 'There is no user with that number.' };

/**
 * An admin's changes to one user. Each runs in one transaction with its audit row (and, for credit, its ledger
 * entry under the wallet lock), so a change and its record never part.
 */
export class UserAdminService {
  constructor(private readonly deps: { db: Db; clock: Clock; ledger: Ledger; currency: string; endLiveCall?: EndLiveCall | undefined; logger?: Logger }) {}

  private money(micros: number): string {
    return formatMoney(micros, this.deps.currency);
  }

  /**
   * Adds or removes credit as an 'adjustment' ledger entry, with its audit row in the same transaction; refused if
   * it would take the balance below what is held (so never below zero). `submission` is the form's one-time id: the
   * same form sent twice (a double click, a resent POST) is applied once.
   */
  async adjustCredit(actorId: number, userId: number, amountMicros: number, reason: string, submission: string): Promise<AdminOutcome> {
    let email = '';
    try {
      const applied = await this.deps.ledger.apply(
        userId,
        { kind: 'adjustment', amountMicros, description: `Adjustment: ${reason}`, reference: `admin:${actorId}`, idempotencyKey: `adjustment:${submission}` },
        {
          before: async (trx) => {
            const user = await findUser(trx, userId);
            if (!user) throw new NoSuchUser();
            email = user.email;
          },
          after: async (trx, { entry, balanceBeforeMicros }) => {
            await recordAudit(trx, this.deps.clock, {
              actorId,
              action: 'user.credit',
              subject: `user ${userId}`,
              summary: `${amountMicros > 0 ? 'Added' : 'Removed'} ${this.money(Math.abs(amountMicros))} ${amountMicros > 0 ? 'to' : 'from'} ${email}: ${reason}`,
              oldValue: { balance: formatMicros(balanceBeforeMicros) },
              newValue: { balance: formatMicros(entry.balanceAfterMicros) },
            });
          },
        },
      );
      if (applied.repeated) return { ok: true, message: `That adjustment was already made (the form was sent twice); it was applied once.` };
      return { ok: true, message: `Balance of ${email} is now ${this.money(applied.entry.balanceAfterMicros)}.` };
    } catch (err) {
      if (err instanceof NoSuchUser || err instanceof ReferenceInUseError) return notFound;
      if (!(err instanceof InsufficientCreditError)) throw err;
      return { ok: false, status: 422, field: 'amount', message: `That would take the balance below zero (or below credit held for a call in progress): at most ${this.money(err.availableMicros)} can be removed.` };
    }
  }

  /** Disables (logging the user out everywhere and ending a live call) or re-enables an account. */
  async setDisabled(actorId: number, userId: number, disabled: boolean): Promise<AdminOutcome> {
    if (disabled && actorId === userId) return { ok: false, status: 422, message: 'You cannot disable your own account.' };
    const outcome = await this.deps.db.transaction(async (trx): Promise<AdminOutcome> => {
      const user = await findUser(trx, userId);
      if (!user) return notFound;
      if (Boolean(user.disabled_at) === disabled) return { ok: true, message: `${user.email} was already ${disabled ? 'disabled' : 'active'}.` };
      if (disabled && user.role === 'admin' && (await otherActiveAdmins(trx, userId)) === 0) {
        return { ok: false, status: 422, message: 'This is the last active admin: make someone else an admin first.' };
      }
      const stamp = this.deps.clock.now().toISOString();
      await trx('users').where({ id: userId }).update({ disabled_at: disabled ? stamp : null, updated_at: stamp });
      const sessions = disabled ? await deleteSessionsOf(trx, userId) : 0;
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: disabled ? 'user.disable' : 'user.enable',
        subject: `user ${userId}`,
        summary: disabled ? `Disabled ${user.email} (${sessions} session${sessions === 1 ? '' : 's'} ended)` : `Re-enabled ${user.email}`,
        oldValue: { disabled: Boolean(user.disabled_at) },
        newValue: { disabled },
      });
      return { ok: true, message: disabled ? `Disabled ${user.email}: logged out everywhere.` : `Re-enabled ${user.email}.` };
    });
    if (outcome.ok && disabled && this.deps.endLiveCall) {
      // After the commit: the hangup talks to Twilio, which must not hold the transaction open; the account is
      // already disabled, so no new call can start meanwhile.
      await this.deps.endLiveCall(userId).catch((err: unknown) => this.deps.logger?.error({ err, userId }, 'ending the live call of a disabled user failed'));
    }
    return outcome;
  }

  async setLimits(actorId: number, userId: number, limits: { dailySpendCapMicros: number | null; concurrentCallLimit: number | null }): Promise<AdminOutcome> {
    return this.deps.db.transaction(async (trx) => {
      const user = await findUser(trx, userId);
      if (!user) return notFound;
      const before = { daily_spend_cap: user.daily_spend_cap_micros === null ? null : formatMicros(Number(user.daily_spend_cap_micros)), concurrent_call_limit: user.concurrent_call_limit };
      const after = { daily_spend_cap: limits.dailySpendCapMicros === null ? null : formatMicros(limits.dailySpendCapMicros), concurrent_call_limit: limits.concurrentCallLimit };
      if (before.daily_spend_cap === after.daily_spend_cap && before.concurrent_call_limit === after.concurrent_call_limit) return { ok: true, message: 'Limits unchanged.' };
      await trx('users')
        .where({ id: userId })
        .update({ daily_spend_cap_micros: limits.dailySpendCapMicros, concurrent_call_limit: limits.concurrentCallLimit, updated_at: this.deps.clock.now().toISOString() });
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: 'user.limits',
        subject: `user ${userId}`,
        summary: `Limits of ${user.email}: daily cap ${before.daily_spend_cap ?? 'none'} → ${after.daily_spend_cap ?? 'none'}; concurrent calls ${before.concurrent_call_limit ?? 'none'} → ${after.concurrent_call_limit ?? 'none'}`,
        oldValue: before,
        newValue: after,
      });
      return { ok: true, message: `Saved the limits of ${user.email}.` };
    });
  }

  /** Whether a velocity alert put the account on hold for review, when, and why (docs/security.md). */
  async reviewHold(userId: number): Promise<{ heldAt: string; reason: string } | undefined> {
    const row = await this.deps.db('users').where({ id: userId }).first<{ held_at: string | null; held_reason: string | null } | undefined>('held_at', 'held_reason');
    return row?.held_at ? { heldAt: row.held_at, reason: row.held_reason ?? '' } : undefined;
  }

  /** Lifts a review hold: the account may call again (its attempt counters are not reset). */
  async liftHold(actorId: number, userId: number): Promise<AdminOutcome> {
    return this.deps.db.transaction(async (trx) => {
      const user = await findUser(trx, userId);
      if (!user) return notFound;
      const held = await trx('users').where({ id: userId }).first<{ held_at: string | null; held_reason: string | null }>('held_at', 'held_reason');
      if (!held?.held_at) return { ok: true, message: `${user.email} was not on hold.` };
      await trx('users').where({ id: userId }).update({ held_at: null, held_reason: null, updated_at: this.deps.clock.now().toISOString() });
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: 'user.hold_lifted',
        subject: `user ${userId}`,
        summary: `Lifted the review hold of ${user.email} (${held.held_reason ?? 'no reason recorded'})`,
        oldValue: { held: true, reason: held.held_reason },
        newValue: { held: false },
      });
      return { ok: true, message: `Lifted the hold: ${user.email} can call again.` };
    });
  }

  /** Grants or removes admin rights; never removes the last active admin. */
  async setAdmin(actorId: number, userId: number, admin: boolean): Promise<AdminOutcome> {
    return this.deps.db.transaction(async (trx) => {
      const user = await findUser(trx, userId);
      if (!user) return notFound;
      if ((user.role === 'admin') === admin) return { ok: true, message: `${user.email} ${admin ? 'was already' : 'was not'} an admin.` };
      if (!admin && (await otherActiveAdmins(trx, userId)) === 0) return { ok: false, status: 422, message: 'This is the last admin: make someone else an admin first.' };
      await trx('users').where({ id: userId }).update({ role: admin ? 'admin' : 'user', updated_at: this.deps.clock.now().toISOString() });
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: admin ? 'user.grant_admin' : 'user.remove_admin',
        subject: `user ${userId}`,
        summary: `${admin ? 'Made' : 'Removed'} ${user.email} ${admin ? 'an admin' : 'from the admins'}`,
        oldValue: { role: user.role },
        newValue: { role: admin ? 'admin' : 'user' },
      });
      return { ok: true, message: admin ? `${user.email} is now an admin.` : `${user.email} is no longer an admin.` };
    });
  }
}

async function findUser(trx: Knex.Transaction, id: number): Promise<UserRecord | undefined> {
  return trx('users').where({ id }).first<UserRecord>('id', 'email', 'role', 'disabled_at', 'daily_spend_cap_micros', 'concurrent_call_limit');
}

/**
 * Active admins other than `userId`. On Postgres the admin rows are locked, so two admins demoting each other at
 * once cannot both succeed; SQLite runs one write transaction at a time anyway.
 */
async function otherActiveAdmins(trx: Knex.Transaction, userId: number): Promise<number> {
  // Every active admin row is locked (the target's too): two admins demoting each other then queue, and the second
  // sees the first's change.
  const query = trx('users').where({ role: 'admin' }).whereNull('disabled_at').select<{ id: number }[]>('id');
  const rows = isSqlite(trx) ? await query : await query.forUpdate();
  return rows.filter((r) => Number(r.id) !== userId).length;
}
