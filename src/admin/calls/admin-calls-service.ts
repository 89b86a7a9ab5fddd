import { recordAudit } from '../../audit/audit-log.js';
import { isLive } from '../../calls/call-state.js';
import type { CallsService } from '../../calls/calls-service.js';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import type { AdminCall, AdminCallsRepository } from './admin-calls-repository.js';

export type AdminHangupOutcome = { outcome: 'not-found' } | { outcome: 'already-ended'; call: AdminCall } | { outcome: 'hanging-up'; call: AdminCall };

/** The admin console's calls: reads across every user, and ending a live call with its audit row. */
export function adminCallsService(deps: { db: Db; clock: Clock; repo: AdminCallsRepository; calls: Pick<CallsService, 'hangup'> }) {
  const { db, clock, repo, calls } = deps;
  return {
    live: () => repo.live(),
    page: (filter: Parameters<AdminCallsRepository['page']>[0]) => repo.page(filter),
    detail: (id: string) => repo.detail(id),

    /**
     * Asks the calls feature to hang up (a Twilio request, which no database transaction can span), then records
     * the audit row in its own transaction; the call's own event row is the calls feature's.
     */
    async hangup(actorId: number, callId: string): Promise<AdminHangupOutcome> {
      const found = await repo.detail(callId);
      if (!found) return { outcome: 'not-found' };
      const { call } = found;
      if (!isLive(call.status)) return { outcome: 'already-ended', call };
      await calls.hangup(call.userId, call.id);
      await db.transaction((trx) =>
        recordAudit(trx, clock, { actorId, action: 'call.hangup', subject: `call ${call.id}`, summary: `Ended the live call of ${call.email} to ${call.toE164}`, oldValue: { status: call.status }, newValue: { hangupRequested: true } }),
      );
      return { outcome: 'hanging-up', call };
    },
  };
}

export type AdminCallsService = ReturnType<typeof adminCallsService>;
