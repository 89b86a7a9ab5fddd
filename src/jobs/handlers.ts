import type { Logger } from 'pino';
import type { CallsService } from '../calls/calls-service.js';
import type { MoneyServices } from '../calls/money-services.js';
import type { JobHandlers } from './scheduler.js';

/**
 * The business work behind each scheduled job, built from the app's services. `calls` is a getter because the
 * calls service schedules hangup jobs itself: the composition root builds the scheduler and the service in turn.
 */
export function appJobHandlers(deps: { calls: () => CallsService; money: MoneyServices; logger: Logger }): JobHandlers {
  const { money, logger } = deps;
  return {
    async hangupCall(callId) {
      await deps.calls().hangupAtDeadline(callId);
    },
    async reconcileCalls() {
      const report = await deps.calls().reconcile();
      if (report.settled || report.skipped || report.stillLive) logger.info(report, 'reconciled calls whose final callback never came');
    },
    async resetFreeMinutes() {
      const users = await money.wallet.resetFreeMinutes();
      logger.info({ users }, 'monthly free minutes reset');
    },
  };
}
