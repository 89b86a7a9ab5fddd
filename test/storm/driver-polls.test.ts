import { Eta } from 'eta';
import { describe, expect, it } from 'vitest';
import { callStatusView } from '../../src/calls/call-view.js';
import { viewsDir } from '../../src/paths.js';
import { pollTarget } from '../../tools/storm/driver.js';
import { CALL_RECORD, callRecord } from '../calls/helpers/call-record.js';

// The storm polls as the page does: whatever the real fragment's hx-get says, so its polls cost what a browser's do.
describe('the storm follows the status fragment it was sent', () => {
  const eta = new Eta({ views: viewsDir, autoEscape: true, autoTrim: false });
  const fragment = (patch: object) =>
    eta.render('partials/call-status', callStatusView(callRecord(patch), { now: new Date('2026-11-22T10:01:00.000Z'), currency: 'USD', csrfToken: 't' }));

  it('polls the URL the fragment names, which tells the app the state already shown', () => {
    expect(pollTarget(fragment({ status: 'calling' }))).toEqual({ state: 'calling', url: `/calls/${CALL_RECORD.id}/status?seen=calling` });
    expect(pollTarget(fragment({ status: 'connected', bridgedAt: '2026-11-22T10:00:00.000Z', hangupRequestedAt: 'x' }))).toEqual({
      state: 'connected',
      url: `/calls/${CALL_RECORD.id}/status?seen=connected-hanging-up`,
    });
  });

  it('keeps polling an ended call until its cost is known, then stops', () => {
    expect(pollTarget(fragment({ status: 'completed', bridgedSeconds: 75 })).url).toBe(`/calls/${CALL_RECORD.id}/status?seen=completed`);
    expect(pollTarget(fragment({ status: 'completed', bridgedSeconds: 75, costMicros: 230_000, settledAt: 'x' }))).toEqual({ state: 'completed', url: undefined });
  });

  it('reads nothing from an empty answer', () => {
    expect(pollTarget('')).toEqual({ state: undefined, url: undefined });
  });
});
