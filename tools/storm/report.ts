import type { LedgerAudit, TruthAudit } from './audit.js';
import type { MoneyInAudit } from './money-in.js';
import type { DriveResult } from './driver.js';
import type { CpuUsage } from './machine.js';
import type { StormOptions } from './options.js';
import { CANARY_PERIOD_MS, type WakeupLateness } from './wakeup-canary.js';
import type { Notice } from '../../src/sim/call-engine.js';

export interface StormReport {
  options: Omit<StormOptions, 'faults'> & { faults: string[] };
  seconds: { drive: number; settle: number; total: number };
  drive: Omit<DriveResult, 'refused' | 'errors' | 'finalStates' | 'clickMs' | 'callIds'> & {
    refused: Record<string, number>;
    errors: Record<string, number>;
    finalStates: Record<string, number>;
  };
  latencyMs: {
    clickRoundTrip: { p50: number | undefined; p99: number | undefined };
    clickToCreateOwn: { p50: number | undefined; p99: number | undefined; count: number };
    webhook: { p50: number | undefined; p99: number | undefined; count: number };
  };
  twilio: { requests: number; errors: number; notices: Record<string, number> };
  /** While driving: on average and in the busiest 5 s; undefined where /proc cannot be read. */
  cpu: { whole: CpuUsage; busiest: CpuUsage } | undefined;
  /** The instances' CPU milliseconds and database statements per completed call, drive and settlement together. */
  costPerCall: { completed: number; cpuMs: number; statements: number; byKind?: Array<{ kind: string; perCall: number }> } | undefined;
  /** While driving: how late an idle thread woke for its timer (the machine's scheduling, not our code). */
  wakeups: WakeupLateness | undefined;
  ledger: LedgerAudit;
  truth: TruthAudit;
  /** --top-ups: card top-ups made over HTTP and the ledger's credits against what Stripe was paid. */
  moneyIn?: (MoneyInAudit & { started: number; paid: number; refused: Record<string, number>; events: number }) | undefined;
  moneyErrors: string[];
}

export function percentile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(1)} ms`);
const money = (micros: number) => (micros / 1_000_000).toFixed(6);
const entries = (record: Record<string, number>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ') || 'none';

function cpuShares(cpu: CpuUsage): string {
  return Object.entries(cpu.coresByProcess)
    .map(([name, cores]) => `${name === 'other' ? 'everything else (database, OS)' : name} ${cores.toFixed(2)}`)
    .join(', ');
}

function coreWaitShares(cpu: CpuUsage): string {
  return Object.entries(cpu.coreWaitPerRunSecond)
    .map(([name, wait]) => `${name} ${wait.toFixed(2)} s`)
    .join(', ');
}

/** Twilio's debugger codes a storm can meet, in words (https://www.twilio.com/docs/api/errors). */
const NOTICE_NAMES: Record<number, string> = {
  11200: 'TwiML request failed',
  11205: 'TwiML request timed out or could not connect',
  15003: 'status callback not delivered',
};

/** The simulator's notices counted by code, named where the code is one a storm expects. */
export function countNotices(notices: Pick<Notice, 'code'>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { code } of notices) {
    const key = NOTICE_NAMES[code] ? `${code} ${NOTICE_NAMES[code]}` : String(code);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The human summary printed at the end of a storm. */
export function formatReport(r: StormReport): string {
  const o = r.options;
  return [
    `storm: ${o.calls} calls, concurrency ${o.concurrency}, ${o.rate ? `open loop at ${o.rate} calls/s` : 'closed loop'}, ${o.instances} instance(s) on ${o.db}, faults: ${o.faults.join(', ') || 'none'}, speed ${o.speed}x`,
    `  harness:         driver, proxy and simulator at nice ${o.harnessNice}${o.harnessNice ? ' (the instances and the database at 0: they get a core first)' : ' (the same priority as the instances and the database)'}`,
    `  time:            ${r.seconds.drive.toFixed(0)} s driving, ${r.seconds.settle.toFixed(0)} s settling, ${r.seconds.total.toFixed(0)} s in all`,
    `  calls placed:    ${r.drive.placed} of ${r.drive.attempted} attempted (Twilio placed ${r.truth.placed}, destination answered ${r.truth.answered})`,
    `  refused:         ${entries(r.drive.refused)}`,
    `  errors:          ${entries(r.drive.errors)}`,
    `  final states:    ${entries(r.drive.finalStates)}`,
    `  holds:           ${r.ledger.settledHolds} settled, ${r.ledger.openHolds} still open (answered and still open: ${r.truth.answeredStillOpen})`,
    `  charged:         ${money(r.ledger.chargedMicros)} in all; ${r.drive.polls} status polls`,
    '  money audit:',
    `    ledger drift:                 ${r.ledger.driftMicros} micro-units (${r.ledger.driftedWallets} wallets)`,
    `    held vs open holds:           ${r.ledger.heldMismatches} mismatched wallets`,
    `    double charges:               ${r.ledger.doubleCharges}`,
    `    charge vs ledger mismatches:  ${r.ledger.chargeMismatches}`,
    `    answered calls never billed:  ${r.truth.answeredUnbilled}`,
    `    negative balances:            ${r.ledger.negativeBalances}`,
    `    calls past credit + ${o.graceSeconds} s grace: ${r.truth.outlivedCredit} (largest overrun ${r.truth.maxOverrunSeconds} s)`,
    ...(r.moneyIn
      ? [
          `  money in:        ${r.moneyIn.started} card top-ups started over HTTP, ${r.moneyIn.paid} paid with 4242…; not sent to checkout: ${entries(r.moneyIn.refused)}; ${r.moneyIn.events} Stripe events`,
          `    paid at Stripe vs credited:   ${money(r.moneyIn.paidMicros)} in ${r.moneyIn.paidSessions} sessions vs ${money(r.moneyIn.creditedMicros)} credited (difference ${r.moneyIn.paidMicros - r.moneyIn.creditedMicros} micro-units)`,
          `    paid sessions never credited: ${r.moneyIn.uncredited}`,
          `    sessions credited twice:      ${r.moneyIn.duplicateReferences}`,
          `    credits matching no payment:  ${r.moneyIn.unmatchedCredits}`,
        ]
      : []),
    '  latency:',
    `    click-to-create, our own time: p50 ${ms(r.latencyMs.clickToCreateOwn.p50)}, p99 ${ms(r.latencyMs.clickToCreateOwn.p99)} (${r.latencyMs.clickToCreateOwn.count} creates, from /metrics)`,
    `    POST /calls round trip:        p50 ${ms(r.latencyMs.clickRoundTrip.p50)}, p99 ${ms(r.latencyMs.clickRoundTrip.p99)} (client side, Twilio's time included)`,
    `    webhooks:                      p50 ${ms(r.latencyMs.webhook.p50)}, p99 ${ms(r.latencyMs.webhook.p99)} (${r.latencyMs.webhook.count} webhooks, from /metrics)`,
    `  Twilio REST: ${r.twilio.requests} requests, ${r.twilio.errors} failed (injected 5xx/429 included)`,
    `  Twilio notices: ${entries(r.twilio.notices)} (the simulator's debugger; a TwiML request past 15 s ends the call before our <Dial>)`,
    ...(o.rate ? [`  open loop:       ${r.drive.lateStarts} calls started over 1 s late (every user was busy)`] : []),
    ...(r.cpu
      ? [
          `  machine:         ${r.cpu.whole.cores} cores, ${r.cpu.whole.busyPercent.toFixed(0)}% busy on average while driving; cores used: ${cpuShares(r.cpu.whole)}`,
          `                   busiest 5 s: ${r.cpu.busiest.busyPercent.toFixed(0)}% busy (load average ${r.cpu.busiest.loadAverage.toFixed(1)}); cores used: ${cpuShares(r.cpu.busiest)}`,
          ...(Object.keys(r.cpu.whole.coreWaitPerRunSecond).length
            ? [`                   waiting for a core, per second run (event-loop threads): ${coreWaitShares(r.cpu.whole)}`]
            : []),
        ]
      : []),
    ...(r.costPerCall
      ? [
          `  cost per call:   ${r.costPerCall.cpuMs.toFixed(1)} CPU ms and ${r.costPerCall.statements.toFixed(1)} database statements per completed call (all instances, driving and settling, ${r.costPerCall.completed} completed)`,
          ...(r.costPerCall.byKind?.length ? [`                   statements per call by kind: ${statementKindsLine(r.costPerCall.byKind)}`] : []),
        ]
      : []),
    ...(r.wakeups ? [`  wake-ups:        ${wakeupLine(r.wakeups)}`] : []),
    r.moneyErrors.length ? `MONEY ERRORS:\n${r.moneyErrors.map((e) => `  - ${e}`).join('\n')}` : 'money: no errors',
  ].join('\n');
}

/** One line on the canary: a click's every round trip wakes two threads, and each can be this late. */
export function wakeupLine(w: WakeupLateness): string {
  const late = (value: number) => `${value.toFixed(1)} ms`;
  return `a thread with nothing to do but a ${CANARY_PERIOD_MS} ms timer woke late by p50 ${late(w.p50)}, p99 ${late(w.p99)}, p99.9 ${late(w.p999)} (max ${late(w.max)}; ${w.wakeups} wake-ups)`;
}

/** The kinds that make up most of a call's statements, largest first; the long tail in one figure. */
export function statementKindsLine(byKind: Array<{ kind: string; perCall: number }>, shown = 12): string {
  const head = byKind.slice(0, shown).map((k) => `${k.kind} ${k.perCall.toFixed(1)}`);
  const rest = byKind.slice(shown).reduce((sum, k) => sum + k.perCall, 0);
  return [...head, ...(rest > 0 ? [`others ${rest.toFixed(1)}`] : [])].join(', ');
}
