import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { reconcileOpenHolds } from '../calls/reconcile.js';
import { hangUpCall } from '../calls/twilio-calls.js';
import type { Telephony } from '../telephony/telephony.js';
import type { MoneyServices } from '../wallet/money-services.js';
import type { JobHandlers } from './scheduler.js';

/** A final status callback later than this is treated as lost, and Twilio is asked instead. */
export const RECONCILE_AFTER_MS = 5 * 60_000;

/** The business work behind each scheduled job, built from the app's services. */
export function appJobHandlers(deps: { telephony: Telephony; money: MoneyServices; logger: Logger; clock: Clock }): JobHandlers {
  const { telephony, money, logger, clock } = deps;
  return {
    async hangupCall(callSid) {
      const result = await hangUpCall(telephony.client, callSid);
      logger.info({ callSid, result }, 'credit deadline reached');
    },
    async reconcileCalls() {
      const olderThan = new Date(clock.now().getTime() - RECONCILE_AFTER_MS);
      const report = await reconcileOpenHolds({ callCredit: money.callCredit, client: telephony.client, logger, olderThan });
      if (report.settled || report.skipped) logger.info(report, 'reconciled calls whose final callback never came');
    },
    async resetFreeMinutes() {
      const users = await money.wallet.resetFreeMinutes();
      logger.info({ users }, 'monthly free minutes reset');
    },
    async expireHold(callSid) {
      // Only a hold that is still open is released; a settled one is left exactly as it is.
      if (await money.callCredit.isOpen(callSid)) await money.callCredit.release(callSid);
    },
  };
}
