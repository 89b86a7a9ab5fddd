import type { CallRecord } from '../../../src/calls/calls-repository.js';

/** A call as the repository returns it, for view tests: set up and not yet ringing, unless the patch says otherwise. */
export const CALL_RECORD = {
  id: 'cl_aaaaaaaaaaaaaaaaaaaa', userId: 1, toE164: '+442079460958', toCountry: 'GB', fromE164: '+12015550123', parentSid: null, childSid: null,
  confirmAnswer: true, createdAt: '2026-11-22T10:00:00.000Z', ringingAt: null, answeredAt: null, confirmedAt: null, confirmDigits: null,
  dialStartedAt: null, bridgedAt: null, parentEndedAt: null, parentFinalStatus: null, endedAt: null, expectedEndAt: '2026-11-22T11:00:00.000Z',
  timeLimitS: 400, talkLimitS: 300, dialTimeoutS: 30, firstLegSeconds: null, bridgedSeconds: null,
  holdMicros: 1, costMicros: null, uncollectedCostMicros: null, dialStatus: null, hangupRequestedAt: null, endedBy: null, failureReason: null, costBreakdown: null, settledAt: null,
} as const;

export function callRecord(patch: object): CallRecord {
  return { ...CALL_RECORD, ...patch } as unknown as CallRecord;
}
