import type { Db } from '../../src/db/database.js';

/** What the ledger, wallets and holds say about themselves: any non-zero error count is lost or invented money. */
export interface LedgerAudit {
  openHolds: number;
  settledHolds: number;
  /** Sum over wallets of |cached balance - sum of that account's ledger entries|, in micro-units. */
  driftMicros: number;
  driftedWallets: number;
  /** Wallets whose held amount is not the sum of their open holds. */
  heldMismatches: number;
  /** Calls with more than one charge in the ledger. */
  doubleCharges: number;
  /** Settled holds whose recorded charge differs from the ledger's charge for that call. */
  chargeMismatches: number;
  /** Wallets below zero, available credit below zero, or a ledger entry leaving a balance below zero. */
  negativeBalances: number;
  chargedMicros: number;
}

type Num = number | string | null;

export async function auditLedger(db: Db): Promise<LedgerAudit> {
  const holds: { status: string; n: Num }[] = await db('credit_holds').select('status').count({ n: '*' }).groupBy('status');
  const drift: { n: Num; micros: Num }[] = await select(db, `
    SELECT count(*) AS n, coalesce(sum(abs(w.balance_micros - coalesce(l.total, 0))), 0) AS micros
    FROM wallets w LEFT JOIN (SELECT account_id, sum(amount_micros) AS total FROM ledger_entries GROUP BY account_id) l ON l.account_id = w.account_id
    WHERE w.balance_micros <> coalesce(l.total, 0)`);
  const held: { n: Num }[] = await select(db, `
    SELECT count(*) AS n FROM wallets w
    LEFT JOIN (SELECT account_id, sum(amount_micros) AS total FROM credit_holds WHERE status = 'open' GROUP BY account_id) h ON h.account_id = w.account_id
    WHERE w.held_micros <> coalesce(h.total, 0)`);
  const doubles: { n: Num }[] = await select(db, `
    SELECT count(*) AS n FROM (SELECT reference FROM ledger_entries WHERE kind = 'call_charge' GROUP BY reference HAVING count(*) > 1) d`);
  const mismatches: { n: Num }[] = await select(db, `
    SELECT count(*) AS n FROM credit_holds h
    LEFT JOIN (SELECT reference, -sum(amount_micros) AS charged FROM ledger_entries WHERE kind = 'call_charge' GROUP BY reference) l ON l.reference = h.call_sid
    WHERE h.status = 'settled' AND coalesce(h.charge_micros, 0) <> coalesce(l.charged, 0)`);
  const negative: { n: Num }[] = await select(db, `
    SELECT (SELECT count(*) FROM wallets WHERE balance_micros < 0 OR balance_micros - held_micros < 0)
         + (SELECT count(*) FROM ledger_entries WHERE balance_after_micros < 0) AS n`);
  const charged: { micros: Num }[] = await select(db, `SELECT coalesce(-sum(amount_micros), 0) AS micros FROM ledger_entries WHERE kind = 'call_charge'`);
  const countOf = (status: string) => Number(holds.find((h) => h.status === status)?.n ?? 0);
  return {
    openHolds: countOf('open'),
    settledHolds: countOf('settled'),
    driftMicros: Number(drift[0]?.micros ?? 0),
    driftedWallets: Number(drift[0]?.n ?? 0),
    heldMismatches: Number(held[0]?.n ?? 0),
    doubleCharges: Number(doubles[0]?.n ?? 0),
    chargeMismatches: Number(mismatches[0]?.n ?? 0),
    negativeBalances: Number(negative[0]?.n ?? 0),
    chargedMicros: Number(charged[0]?.micros ?? 0),
  };
}

/** One leg as the simulator's control API lists it (Twilio's Call JSON). */
export interface SimLeg {
  sid: string;
  parent_call_sid: string | null;
  status: string;
  duration: string | null;
}

/** The ledger against what really happened on the (simulated) phone network. */
export interface TruthAudit {
  /** Parent calls Twilio placed. */
  placed: number;
  /** Calls whose destination answered (bridged seconds > 0). */
  answered: number;
  /** Answered calls settled without any charge or free minutes, or with no hold at all. */
  answeredUnbilled: number;
  /**
   * Calls whose bridged leg ran longer than their credit allowed, beyond the grace: past the talk limit cut at answer
   * (the exact cut, from the first leg's real set-up time), or past the hold's estimate for a call never given one.
   */
  outlivedCredit: number;
  maxOverrunSeconds: number;
  /** Answered calls whose hold is still open (not yet settled). */
  answeredStillOpen: number;
}

interface HoldRow {
  call_sid: string;
  status: string;
  max_seconds: number;
  /** The call's talk limit, cut when the destination answered (null if it never was). */
  talk_limit_s: Num;
  charge_micros: Num;
  free_seconds_used: Num;
}

/**
 * Compares every call the simulator placed with its credit hold. `holdKeyOf` maps Twilio's parent call SID to
 * the hold's key (the same SID, or the app's own call id when holds are taken before Twilio answers).
 */
export async function auditAgainstNetwork(db: Db, legs: SimLeg[], graceSeconds: number, holdKeyOf: (parentSid: string) => string | undefined): Promise<TruthAudit> {
  const bridged = new Map<string, number>();
  const parents = legs.filter((l) => !l.parent_call_sid);
  for (const leg of legs) {
    if (!leg.parent_call_sid || leg.status !== 'completed') continue;
    bridged.set(leg.parent_call_sid, (bridged.get(leg.parent_call_sid) ?? 0) + Number(leg.duration ?? 0));
  }
  const holds = new Map<string, HoldRow>();
  // The hold's max_seconds is the estimate made at placement with a typical set-up time; the talk limit the call got
  // when the destination answered is the cut its credit really pays for.
  const all: HoldRow[] = await db('credit_holds')
    .leftJoin('calls', 'calls.id', 'credit_holds.call_sid')
    .select('credit_holds.call_sid', 'credit_holds.status', 'credit_holds.max_seconds', 'calls.talk_limit_s', 'credit_holds.charge_micros', 'credit_holds.free_seconds_used');
  for (const h of all) holds.set(h.call_sid, h);
  const audit: TruthAudit = { placed: parents.length, answered: 0, answeredUnbilled: 0, outlivedCredit: 0, maxOverrunSeconds: 0, answeredStillOpen: 0 };
  for (const parent of parents) {
    const seconds = bridged.get(parent.sid) ?? 0;
    if (seconds <= 0) continue;
    audit.answered++;
    const key = holdKeyOf(parent.sid);
    const hold = key === undefined ? undefined : holds.get(key);
    if (!hold) {
      audit.answeredUnbilled++;
      continue;
    }
    if (hold.status === 'open') audit.answeredStillOpen++;
    else if (Number(hold.charge_micros ?? 0) === 0 && Number(hold.free_seconds_used ?? 0) === 0) audit.answeredUnbilled++;
    const overrun = seconds - (hold.talk_limit_s === null ? hold.max_seconds : Number(hold.talk_limit_s));
    if (overrun > graceSeconds) audit.outlivedCredit++;
    audit.maxOverrunSeconds = Math.max(audit.maxOverrunSeconds, overrun);
  }
  return audit;
}

/** Money errors: each is a reason to exit non-zero. */
export function moneyErrors(ledger: LedgerAudit, truth: TruthAudit | undefined): string[] {
  const errors: string[] = [];
  if (ledger.driftMicros !== 0) errors.push(`ledger drift of ${ledger.driftMicros} micro-units in ${ledger.driftedWallets} wallet(s)`);
  if (ledger.heldMismatches) errors.push(`${ledger.heldMismatches} wallet(s) whose held credit differs from their open holds`);
  if (ledger.doubleCharges) errors.push(`${ledger.doubleCharges} call(s) charged more than once`);
  if (ledger.chargeMismatches) errors.push(`${ledger.chargeMismatches} settled hold(s) whose charge differs from the ledger`);
  if (ledger.negativeBalances) errors.push(`${ledger.negativeBalances} negative balance(s)`);
  if (truth?.answeredUnbilled) errors.push(`${truth.answeredUnbilled} answered call(s) never billed`);
  if (truth?.outlivedCredit) errors.push(`${truth.outlivedCredit} call(s) outlived their credit by more than the grace`);
  return errors;
}

/** knex.raw answers with an array on SQLite and { rows } on PostgreSQL. */
async function select<T>(db: Db, sql: string): Promise<T[]> {
  const result: unknown = await db.raw(sql);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
