import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeTrim, trimMemoryWhenIdle } from '../src/idle-memory.js';

describe('trimMemoryWhenIdle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('trims after a quiet period, never during a busy one, and not again until there was work', () => {
    vi.useFakeTimers();
    // Periods of 1 s: busy share, busy milliseconds.
    const periods = [[0.9, 900], [0.4, 400], [0.06, 60], [0.01, 10], [0.5, 500], [0.0, 0], [0.01, 10], [0.04, 40], [0.03, 30], [0.04, 40]];
    const order: string[] = [];
    const trim = vi.fn(() => order.push('trim'));
    const collect = vi.fn(() => order.push('collect'));
    const idle = trimMemoryWhenIdle({ everyMs: 1_000, trim, collect, busy: () => { const [share, ms] = periods.shift() ?? [0.9, 900]; return { share: share!, ms: ms! }; } })!;
    vi.advanceTimersByTime(3_000);
    expect(trim).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(trim).toHaveBeenCalledTimes(1);
    expect(order, 'garbage collected first, so its pages can be trimmed').toEqual(['collect', 'trim']);
    vi.advanceTimersByTime(1_000);
    expect(trim, 'busy').toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(trim, 'quiet after 500 ms of work').toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(3_000);
    expect(trim, 'quiet, but only 80 ms of work since').toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1_000);
    expect(trim, 'quiet, 120 ms of work since').toHaveBeenCalledTimes(3);
    expect(idle.trims).toBe(3);
    expect(collect).toHaveBeenCalledTimes(3);
    idle.stop();
    vi.advanceTimersByTime(5_000);
    expect(trim).toHaveBeenCalledTimes(3);
  });
});

const glibc = process.platform === 'linux' && Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;

// The addon exists for glibc (musl and macOS have no malloc_trim); there the server simply does not trim.
describe.skipIf(!glibc)('the malloc_trim addon (glibc)', () => {
  it('is built by npm install and loads', () => {
    expect(nativeTrim()).toBeTypeOf('function');
  });

  it('returns freed pages that fragmentation kept in the heap', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Small native blocks (each one malloc) where one in sixteen stays alive: free() cannot give back the pages
    // between the survivors, which is the shape a burst of requests leaves behind.
    let blocks: Buffer[] = Array.from({ length: 40_000 }, () => Buffer.allocUnsafeSlow(1_000));
    const survivors = blocks.filter((_block, i) => i % 16 === 15);
    blocks = [];
    for (let round = 0; round < 3; round++) {
      gc();
      await sleep(50);
    }
    const before = rssMb();
    expect(nativeTrim()!()).toBe(true);
    const released = before - rssMb();
    expect(survivors.length).toBe(2_500);
    // About 37 MB were freed; most of their pages hold no survivor.
    expect(released).toBeGreaterThan(10);
  });
});
