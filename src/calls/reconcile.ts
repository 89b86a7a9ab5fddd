import type { Logger } from 'pino';
import type { Twilio } from 'twilio';
import type { CallCredit } from './call-credit.js';
import type { CallEvents } from './call-events.js';
import type { FactsUpdate } from './call-state.js';
import type { CallRecord, CallsRepository } from './calls-repository.js';
import { hangUpCall } from './twilio-calls.js';

export interface ReconcileReport {
  settled: number;
  stillLive: number;
  skipped: number;
}

export interface ReconcileDeps {
  repo: CallsRepository;
  events: CallEvents;
  callCredit: CallCredit;
  client: Twilio;
  logger: Logger;
  now: Date;
}

const LIVE = new Set(['queued', 'initiated', 'ringing', 'in-progress']);

/**
 * Settles calls whose final callbacks never came. Only calls past their expected end (TimeLimit, ringing and a
 * grace) are looked at, and each is asked about at Twilio by the SIDs in the calls table: a call Twilio never
 * heard of is released at zero, one that is over is settled from Twilio's own durations, one still live past its
 * end is hung up. Settlement is idempotent, so racing a late callback is harmless.
 */
export async function reconcileOpenHolds(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { settled: 0, stillLive: 0, skipped: 0 };
  for (const call of await deps.repo.dueForReconciliation(deps.now.toISOString())) {
    try {
      const outcome = await reconcileCall(deps, call);
      report[outcome]++;
    } catch (err) {
      // One call Twilio cannot answer for now must not stop the others; the next run tries again.
      deps.logger.warn({ err, callId: call.id }, 'reconciliation of a call failed');
      report.skipped++;
    }
  }
  return report;
}

/** `listed` is the call as some earlier read saw it; `whenDue` (the default) leaves it alone unless it is overdue now. */
export async function reconcileCall(deps: ReconcileDeps, listed: CallRecord, whenDue = true): Promise<keyof ReconcileReport> {
  // The list may be minutes old by the time a call's turn comes (each call before it asks Twilio): callbacks may
  // have named it, settled it or moved its expected end since. Decide on the call as it stands now.
  const call = await deps.repo.find(listed.id);
  if (!call || call.settledAt || (whenDue && call.expectedEndAt >= deps.now.toISOString())) return 'skipped';
  const parent = call.parentSid ? await fetchCall(deps.client, call.parentSid) : undefined;
  if (!parent) {
    // No SID on record and no callback ever carried our id, or a SID Twilio does not know: never placed.
    deps.logger.warn({ callId: call.id, parentSid: call.parentSid }, 'call Twilio never heard of; releasing its hold at zero');
    // An unconfirmed create (no answer to it) is released the same way: without a SID nothing can have been bridged.
    const unconfirmed = call.status === 'unconfirmed';
    const failed = await deps.events.record(call.id, { source: 'reconcile', event: unconfirmed ? 'no callback ever named this call' : 'Twilio has no record of this call' }, 'reconcile:unknown', {
      status: 'failed',
      failureReason: unconfirmed ? 'Our phone provider never confirmed the call, and it never started. Nothing was charged.' : 'The call never reached our phone provider. Nothing was charged.',
    });
    if (failed) await deps.events.settle({ ...failed, firstLegSeconds: 0, bridgedSeconds: 0 });
    return 'settled';
  }
  if (LIVE.has(parent.status)) {
    // Past its expected end and still up: every limit failed, so end it now.
    await hangUpCall(deps.client, call.parentSid!);
    return 'stillLive';
  }
  const children = await deps.client.calls.list({ parentCallSid: call.parentSid!, limit: 20 });
  if (children.some((child) => LIVE.has(child.status))) return 'stillLive';
  const bridged = children.find((c) => c.status === 'completed');
  const child = bridged ?? children[0];
  const update: FactsUpdate = {
    parentEndedAt: deps.now.toISOString(),
    parentFinalStatus: parent.status,
    firstLegSeconds: parent.status === 'completed' ? Number(parent.duration ?? 0) : 0,
    bridgedSeconds: bridged ? Number(bridged.duration ?? 0) : 0,
    ...(child ? { childSid: child.sid, dialStatus: child.status, dialStartedAt: deps.now.toISOString() } : {}),
  };
  const updated = await deps.events.record(call.id, { source: 'reconcile', event: `Twilio reports ${parent.status}`, params: { CallStatus: parent.status, CallDuration: String(parent.duration ?? '') } }, 'reconcile:over', update);
  const fresh = (await deps.repo.find(call.id)) ?? updated;
  if (fresh && !fresh.settledAt) await deps.events.settle(fresh);
  return 'settled';
}

async function fetchCall(client: Twilio, sid: string) {
  try {
    return await client.calls(sid).fetch();
  } catch (err) {
    if ((err as { code?: number }).code === 20404) return undefined;
    throw err;
  }
}
