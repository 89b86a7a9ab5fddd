import { describe, expect, it } from 'vitest';
import { BRIEFLY_CONNECTED, deriveStatus, type CallFacts } from '../../src/calls/call-state.js';

const dialled: CallFacts = {
  status: 'connecting', confirmAnswer: true, parentSid: 'CAparent', childSid: 'CAchild', ringingAt: 't1', answeredAt: 't2',
  confirmedAt: 't3', confirmDigits: '1', dialStartedAt: 't3', bridgedAt: null, parentEndedAt: null, parentFinalStatus: null,
  firstLegSeconds: null, bridgedSeconds: null, dialStatus: null, hangupRequestedAt: null,
  endedBy: null, failureReason: null,
};

describe('the final state of a dialled call the user hung up', () => {
  it('is "completed" when the destination answered, even if Twilio reports 0 s for a bridge under a second', () => {
    const ended = { ...dialled, status: 'connected' as const, bridgedAt: 't4', hangupRequestedAt: 't4', dialStatus: 'completed', bridgedSeconds: 0, parentEndedAt: 't5', parentFinalStatus: 'completed', firstLegSeconds: 6 };
    expect(deriveStatus(ended)).toEqual({ status: 'completed', failureReason: BRIEFLY_CONNECTED });
    expect(deriveStatus({ ...ended, bridgedSeconds: 3 })).toEqual({ status: 'completed', failureReason: null });
  });

  it('is "cancelled" when the user hung up while the destination was still ringing', () => {
    const ended = { ...dialled, hangupRequestedAt: 't4', dialStatus: 'canceled', bridgedSeconds: 0, parentEndedAt: 't5', parentFinalStatus: 'completed', firstLegSeconds: 6 };
    expect(deriveStatus(ended)).toEqual({ status: 'cancelled', failureReason: 'You hung up before the number you called answered.' });
  });
});
