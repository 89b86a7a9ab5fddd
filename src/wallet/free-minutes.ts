import { periodOf, type WalletContext } from './wallet-store.js';

/**
 * The monthly job: gives every wallet still on an earlier period this month's allowance. Idempotent (a second
 * run in the same month changes nothing), and wallets are also renewed lazily when next used, so a missed run
 * costs nobody their minutes. Returns how many wallets were renewed.
 */
export async function resetFreeMinutes(ctx: WalletContext): Promise<number> {
  const now = ctx.clock.now();
  const period = periodOf(now);
  return ctx.db('wallets')
    .whereNot({ free_period: period })
    .update({ free_seconds_left: ctx.freeMinutesPerMonth * 60, free_period: period, updated_at: now.toISOString() });
}
