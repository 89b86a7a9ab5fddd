import type { Logger } from 'pino';
import type { Twilio } from 'twilio';
import type { CallCredit } from '../wallet/call-credit.js';
import { fetchCallOutcome, isCallSid } from './twilio-calls.js';

export interface ReconcileReport {
  settled: number;
  stillLive: number;
  skipped: number;
}

/**
 * Settles calls whose final status callback never came: asks Twilio for each open hold older than the grace
 * period and settles it from Twilio's durations. Settlement is idempotent, so racing a late callback is harmless.
 */
export async function reconcileOpenHolds(deps: {
  callCredit: CallCredit;
  client: Twilio;
  logger: Logger;
  olderThan: Date;
}): Promise<ReconcileReport> {
  const report: ReconcileReport = { settled: 0, stillLive: 0, skipped: 0 };
  for (const hold of await deps.callCredit.openHolds(deps.olderThan)) {
    // Holds keyed by our own id (taken before Twilio answered with a SID) cannot be looked up at Twilio.
    if (!isCallSid(hold.callSid)) {
      report.skipped++;
      continue;
    }
    try {
      const outcome = await fetchCallOutcome(deps.client, hold.callSid);
      if (outcome.state === 'live') report.stillLive++;
      else if (outcome.state === 'unknown') {
        deps.logger.warn({ callSid: hold.callSid }, 'open credit hold for a call Twilio does not know; releasing it');
        await deps.callCredit.release(hold.callSid);
        report.settled++;
      } else {
        await deps.callCredit.settle({ callSid: hold.callSid, firstLegSeconds: outcome.firstLegSeconds, bridgedSeconds: outcome.bridgedSeconds });
        report.settled++;
      }
    } catch (err) {
      // One call Twilio cannot answer for now must not stop the others; the next run tries again.
      deps.logger.warn({ err, callSid: hold.callSid }, 'reconciliation of a call failed');
      report.skipped++;
    }
  }
  return report;
}
