import { Eta } from 'eta';
import { describe, expect, it } from 'vitest';
import { callStatusView } from '../../src/calls/call-view.js';
import { viewsDir } from '../../src/paths.js';
import { pollTarget } from '../../src/storm/driver.js';

// The storm polls as the page does: whatever the real fragment's hx-get says, so its polls cost what a browser's do.
describe('the storm follows the status fragment it was sent', () => {
  const eta = new Eta({ views: viewsDir, autoEscape: true, autoTrim: false });
  const base = {
    id: 'cl_aaaaaaaaaaaaaaaaaaaa', userId: 1, toE164: '+442079460958', toCountry: 'GB', fromE164: '+12015550123', parentSid: null, childSid: null,
    confirmAnswer: false, createdAt: '2026-11-22T10:00:00.000Z', ringingAt: null, answeredAt: null, confirmedAt: null, confirmDigits: null,
    dialStartedAt: null, bridgedAt: null, parentEndedAt: null, parentFinalStatus: null, endedAt: null, expectedEndAt: '2026-11-22T11:00:00.000Z',
    timeLimitS: 400, talkLimitS: 300, dialTimeoutS: 30, firstLegSeconds: null, bridgedSeconds: null,
    holdMicros: 1, costMicros: null, uncollectedCostMicros: null, dialStatus: null, hangupRequestedAt: null, failureReason: null, costBreakdown: null, settledAt: null,
  } as const;
  const fragment = (patch: object) =>
    eta.render('partials/call-status', callStatusView({ ...base, ...patch } as never, { now: new Date('2026-11-22T10:01:00.000Z'), currency: 'USD', csrfToken: 't' }));

  it('polls the URL the fragment names, which tells the app the state already shown', () => {
    expect(pollTarget(fragment({ status: 'calling' }))).toEqual({ state: 'calling', url: `/calls/${base.id}/status?seen=calling` });
    expect(pollTarget(fragment({ status: 'connected', bridgedAt: '2026-11-22T10:00:00.000Z', hangupRequestedAt: 'x' }))).toEqual({
      state: 'connected',
      url: `/calls/${base.id}/status?seen=connected-hanging-up`,
    });
  });

  it('keeps polling an ended call until its cost is known, then stops', () => {
    expect(pollTarget(fragment({ status: 'completed', bridgedSeconds: 75 })).url).toBe(`/calls/${base.id}/status?seen=completed`);
    expect(pollTarget(fragment({ status: 'completed', bridgedSeconds: 75, costMicros: 230_000, settledAt: 'x' }))).toEqual({ state: 'completed', url: undefined });
  });

  it('reads nothing from an empty answer', () => {
    expect(pollTarget('')).toEqual({ state: undefined, url: undefined });
  });
});
