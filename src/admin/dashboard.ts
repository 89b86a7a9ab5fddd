import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { moneyFigures } from '../ledger/ledger-reads.js';
import type { AdminCallsRepository } from './calls/admin-calls-repository.js';

export interface DashboardFigures {
  users: number;
  disabledUsers: number;
  revenueTodayMicros: number;
  revenue30dMicros: number;
  estimatedCost30dMicros: number;
  creditOutstandingMicros: number;
  heldMicros: number;
  /** From the calls table: today's calls and talk, live calls, answers and unanswered first-leg cost over the period. */
  calls: Awaited<ReturnType<AdminCallsRepository['figures']>>;
  /** Call charges per UTC day, oldest first, zero-filled. */
  daily: { day: string; spentMicros: number }[];
  /** Money in (card top-ups, refunds) against call charges and their estimated cost, per UTC day, newest first, days with any. */
  moneyInByDay: { day: string; toppedUpMicros: number; refundedMicros: number; chargedMicros: number; costMicros: number }[];
}

interface StoredTariffs {
  tariffs?: { first?: { sellPerMinMicros?: number; costPerMinMicros?: number }; bridged?: { sellPerMinMicros?: number; costPerMinMicros?: number } };
}

/**
 * What a settled call cost us, estimated from its charge and the legs' rates: the charge × (cost/min ÷ sell/min of
 * both legs). Exact for per-minute billing without fees; a single call's page has the exact figure, from each leg's
 * duration (admin/calls/call-economics.ts).
 */
export function estimatedCost(chargeMicros: number, tariffsJson: string): number {
  let stored: StoredTariffs;
  try {
    stored = JSON.parse(tariffsJson) as StoredTariffs;
  } catch {
    return 0;
  }
  const legs = [stored.tariffs?.first, stored.tariffs?.bridged];
  const sell = legs.reduce((sum, leg) => sum + (leg?.sellPerMinMicros ?? 0), 0);
  const cost = legs.reduce((sum, leg) => sum + (leg?.costPerMinMicros ?? 0), 0);
  return sell > 0 ? Math.round((chargeMicros * cost) / sell) : 0;
}

const num = (row: Record<string, unknown> | undefined, key: string) => Number(row?.[key] ?? 0);

/** The admin dashboard's figures: a handful of aggregate queries, each on an index. */
export async function dashboardFigures(db: Db, clock: Clock, calls: AdminCallsRepository, days = 30): Promise<DashboardFigures> {
  const now = clock.now();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const start = new Date(today.getTime() - (days - 1) * 86_400_000);
  const [users, money, callFigures] = await Promise.all([
    db('users').count({ n: '*' }).count({ disabled: 'disabled_at' }).first(),
    moneyFigures(db, start.toISOString()),
    calls.figures(today.toISOString(), start.toISOString()),
  ]);
  const charged = money.chargesByDay;
  const daily = Array.from({ length: days }, (_, i) => {
    const day = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    return { day, spentMicros: charged.get(day) ?? 0 };
  });
  const costByDay = new Map<string, number>();
  for (const h of money.settledCharges) costByDay.set(h.day, (costByDay.get(h.day) ?? 0) + estimatedCost(h.chargeMicros, h.termsJson));
  const moneyInByDay = daily
    .map(({ day, spentMicros }) => ({ day, toppedUpMicros: money.purchasesByDay.get(day) ?? 0, refundedMicros: money.refundsByDay.get(day) ?? 0, chargedMicros: spentMicros, costMicros: costByDay.get(day) ?? 0 }))
    .filter((d) => d.toppedUpMicros || d.refundedMicros || d.chargedMicros || d.costMicros)
    .reverse();
  return {
    users: num(users, 'n'),
    disabledUsers: num(users, 'disabled'),
    revenueTodayMicros: daily.at(-1)?.spentMicros ?? 0,
    revenue30dMicros: daily.reduce((sum, d) => sum + d.spentMicros, 0),
    estimatedCost30dMicros: money.settledCharges.reduce((sum, h) => sum + estimatedCost(h.chargeMicros, h.termsJson), 0),
    creditOutstandingMicros: money.balanceMicros,
    heldMicros: money.heldMicros,
    calls: callFigures,
    daily,
    moneyInByDay,
  };
}

/** The dashboard's reads, bound to the database by the composition root; the route sees only `figures()`. */
export function adminDashboard(deps: { db: Db; clock: Clock; calls: AdminCallsRepository }) {
  return { figures: (days?: number) => dashboardFigures(deps.db, deps.clock, deps.calls, days) };
}

export type AdminDashboard = ReturnType<typeof adminDashboard>;
