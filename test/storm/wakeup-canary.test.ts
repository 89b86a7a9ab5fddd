import { describe, expect, it } from 'vitest';
import { wakeupLine } from '../../tools/storm/report.js';
import { latenessFrom, startWakeupCanary } from '../../tools/storm/wakeup-canary.js';

describe('the wake-up canary', () => {
  it('a real worker thread wakes for its timer and reports how late, in ms past the 10 ms period', async () => {
    const stop = startWakeupCanary();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lateness = await stop();
    expect(lateness, 'the worker answered').toBeDefined();
    // ~30 periods in 300 ms; the first only starts once the worker has loaded.
    expect(lateness!.wakeups).toBeGreaterThanOrEqual(5);
    expect(lateness!.p50).toBeGreaterThanOrEqual(0);
    expect(lateness!.max).toBeGreaterThanOrEqual(lateness!.p99);
  });

  it('takes the period off the whole intervals the histogram records; a canary that never woke says nothing', () => {
    expect(latenessFrom({ p50: 10.2e6, p99: 18e6, p999: 25e6, max: 40e6, wakeups: 100 })).toEqual({ p50: expect.closeTo(0.2, 6), p99: 8, p999: 15, max: 30, wakeups: 100 });
    expect(latenessFrom({ p50: 9.9e6, p99: 9.9e6, p999: 9.9e6, max: 9.9e6, wakeups: 3 })).toMatchObject({ p50: 0, max: 0 });
    expect(latenessFrom({ p50: 0, p99: 0, p999: 0, max: 0, wakeups: 0 })).toBeUndefined();
  });

  it('reads as one line of the storm report', () => {
    expect(wakeupLine({ p50: 0.24, p99: 8.06, p999: 17.5, max: 31, wakeups: 24_000 })).toBe('a thread with nothing to do but a 10 ms timer woke late by p50 0.2 ms, p99 8.1 ms, p99.9 17.5 ms (max 31.0 ms; 24000 wake-ups)');
  });
});
