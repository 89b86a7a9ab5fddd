import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveStatus, isFinal, mergeFacts, readyToSettle, type CallFacts, type FactsUpdate } from '../../src/calls/call-state.js';

const start: CallFacts = {
  status: 'starting', confirmAnswer: true, parentSid: null, childSid: null, ringingAt: null, answeredAt: null, confirmedAt: null,
  confirmDigits: null, dialStartedAt: null, bridgedAt: null, parentEndedAt: null, parentFinalStatus: null, firstLegSeconds: null,
  bridgedSeconds: null, dialStatus: null, hangupRequestedAt: null,
  endedBy: null, failureReason: null,
};

function apply(facts: CallFacts, update: FactsUpdate): CallFacts {
  const merged = mergeFacts(facts, update);
  return { ...merged, ...deriveStatus(merged) };
}

const RANK = ['starting', 'calling', 'confirming', 'connecting', 'connected', 'ending'];
const rank = (status: CallFacts['status']) => (isFinal(status) ? 6 : RANK.indexOf(status));

/** Scenario (a) with the press-1 guard, as the events that carry each fact. */
const answeredCall: FactsUpdate[] = [
  { parentSid: 'CA1' },
  { parentSid: 'CA1', ringingAt: 't1' },
  { parentSid: 'CA1', answeredAt: 't2' },
  { confirmDigits: '1', confirmedAt: 't3', dialStartedAt: 't3' },
  { childSid: 'CA2', dialStartedAt: 't4' },
  { childSid: 'CA2', dialStartedAt: 't5', bridgedAt: 't5' },
  { childSid: 'CA2', dialStartedAt: 't8', dialStatus: 'completed', bridgedSeconds: 75 },
  { dialStatus: 'completed', bridgedSeconds: 75 },
  { parentSid: 'CA1', parentEndedAt: 't9', parentFinalStatus: 'completed', firstLegSeconds: 90 },
];

describe('call state from facts', () => {
  it('any arrival order, with duplicates, ends in the same state, and no event moves a call backwards', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(answeredCall, { minLength: answeredCall.length }), fc.array(fc.nat(answeredCall.length - 1), { maxLength: 5 }), (shuffled, repeats) => {
        // Callbacks arrive in any order, but nothing about the bridge can exist before we answered the press-1
        // request with the <Dial> (we record that before answering): that one causal edge is kept.
        const confirm = answeredCall[3]!;
        const order = shuffled.filter((u) => u !== confirm);
        const firstCaused = order.findIndex((u) => u.childSid !== undefined || u.parentEndedAt !== undefined || u.dialStatus !== undefined);
        order.splice(firstCaused, 0, confirm);
        let facts = start;
        for (const update of [...order, ...repeats.map((i) => answeredCall[i]!)]) {
          const next = apply(facts, update);
          expect(rank(next.status)).toBeGreaterThanOrEqual(rank(facts.status));
          facts = next;
        }
        expect(facts).toMatchObject({ status: 'completed', bridgedSeconds: 75, firstLegSeconds: 90 });
        expect(readyToSettle(facts)).toBe(true);
      }),
    );
  });

  it('waits for the bridged duration before settling, and a final state never changes', () => {
    let facts = apply(start, { parentSid: 'CA1', answeredAt: 't', dialStartedAt: 't' });
    facts = apply(facts, { parentEndedAt: 't', parentFinalStatus: 'completed', firstLegSeconds: 40 });
    expect(facts.status).toBe('ending');
    expect(readyToSettle(facts)).toBe(false);
    facts = apply(facts, { dialStatus: 'busy', bridgedSeconds: 0 });
    expect(facts).toMatchObject({ status: 'destination-unanswered', failureReason: 'The number you called was busy.' });
    expect(apply(facts, { bridgedAt: 'late' }).status).toBe('destination-unanswered');
  });

  it('a voicemail (no key) and an unanswered phone are told apart', () => {
    const voicemail = [{ answeredAt: 't' }, { confirmDigits: '' }, { parentEndedAt: 't', parentFinalStatus: 'completed', firstLegSeconds: 12 }].reduce(apply, start);
    expect(voicemail).toMatchObject({ status: 'voicemail', failureReason: 'Your voicemail answered, so we did not connect the call.' });
    const unanswered = apply(start, { parentEndedAt: 't', parentFinalStatus: 'no-answer', firstLegSeconds: 0 });
    expect(unanswered).toMatchObject({ status: 'not-answered', failureReason: 'Your phone was not answered.' });
    expect(apply({ ...start, status: 'failed', failureReason: 'x' }, { answeredAt: 't' })).toMatchObject({ status: 'failed', failureReason: 'x' });
  });
});

describe('an unconfirmed create (no answer from Twilio)', () => {
  const unconfirmed: CallFacts = { ...start, status: 'unconfirmed' };
  it('stays unconfirmed and live until a callback names the call, then proceeds like any call', () => {
    expect(apply(unconfirmed, { hangupRequestedAt: 't1' }).status).toBe('unconfirmed');
    expect(apply(unconfirmed, { parentSid: 'CA1', ringingAt: 't1' }).status).toBe('calling');
    const over = answeredCall.reduce(apply, unconfirmed);
    expect(over.status).toBe('completed');
    expect(readyToSettle(over)).toBe(true);
  });
});
