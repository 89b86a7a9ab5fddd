import { describe, expect, it } from 'vitest';
import { pacer } from '../../tools/storm/driver.js';
import { cpuBetween, parseProcessStat, parseProcStat, parseSchedstat, sampleCpu, type CpuSample } from '../../tools/storm/machine.js';
import { parseStormOptions } from '../../tools/storm/options.js';

describe('open-loop pacing', () => {
  it('reads --rate and names a bad one', () => {
    expect(parseStormOptions(['--rate', '2.5'], {}).rate).toBe(2.5);
    expect(parseStormOptions([], {}).rate).toBeUndefined();
    expect(() => parseStormOptions(['--rate', '0'], {})).toThrow('--rate: expected a number above 0, got "0"');
  });

  it('hands out one slot per call at the rate, and reports how late a slot is taken', async () => {
    let now = 1_000;
    const slept: number[] = [];
    const pace = pacer(4, () => now, async (ms) => void slept.push(ms));
    expect(await pace()).toBe(0); // slot 0 at once
    expect(await pace()).toBe(0); // slot 1 due in 250 ms: sleeps
    expect(slept).toEqual([250]);
    now += 2_000; // every user was busy for two seconds
    expect(await pace()).toBe(1_500); // slot 2 was due at +500 ms
  });
});

describe('where the CPU went', () => {
  it('reads the machine and a process from /proc text', () => {
    expect(parseProcStat('cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 1 2 3 4\n')).toEqual({ busySeconds: 1.61, totalSeconds: 9.81 });
    // The command name may contain spaces and parentheses; utime and stime are fields 14 and 15.
    const stat = '4242 (node (tsx) main) S 1 2 3 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 11 0 123 456 789';
    expect(parseProcessStat(stat)).toBeCloseTo(2.8);
    expect(parseSchedstat('12500000000 23500000000 44000\n')).toEqual({ runSeconds: 12.5, waitSeconds: 23.5 });
    expect(parseSchedstat('')).toBeUndefined();
  });

  it('splits busy cores between the named processes and everything else', () => {
    const before: CpuSample = { at: 0, busySeconds: 100, totalSeconds: 400, processSeconds: { 'instance-0': 10, 'instance-1': 10, simulator: 5 }, mainThreads: {} };
    const after: CpuSample = { at: 10_000, busySeconds: 116, totalSeconds: 420, processSeconds: { 'instance-0': 14, 'instance-1': 16, simulator: 7 }, mainThreads: {} };
    const usage = cpuBetween(before, after, (name) => (name.startsWith('instance-') ? 'instances' : name));
    expect(usage.busyPercent).toBeCloseTo(80);
    expect(usage.coresByProcess.instances).toBeCloseTo(1.0);
    expect(usage.coresByProcess.simulator).toBeCloseTo(0.2);
    expect(usage.coresByProcess.other).toBeCloseTo(0.4);
  });

  it('says how long each group of event loops waited for a core per second it ran', () => {
    const times = (run: number, wait: number) => ({ runSeconds: run, waitSeconds: wait });
    const before: CpuSample = {
      at: 0, busySeconds: 0, totalSeconds: 0, processSeconds: {},
      mainThreads: { 'instance-0': times(10, 5), 'instance-1': times(10, 5), simulator: times(2, 1) },
    };
    const after: CpuSample = {
      at: 10_000, busySeconds: 0, totalSeconds: 0, processSeconds: {},
      // instance-2 started after the first sample: it has no interval to measure and is left out.
      mainThreads: { 'instance-0': times(12, 9), 'instance-1': times(14, 9), 'instance-2': times(1, 1), simulator: times(3, 1.5) },
    };
    const usage = cpuBetween(before, after, (name) => (name.startsWith('instance-') ? 'instances' : name));
    expect(usage.coreWaitPerRunSecond.instances).toBeCloseTo(8 / 6);
    expect(usage.coreWaitPerRunSecond.simulator).toBeCloseTo(0.5);
  });

  it('samples this process on Linux', () => {
    const sample = sampleCpu({ self: 'self' });
    if (process.platform !== 'linux') return expect(sample).toBeUndefined();
    expect(sample!.totalSeconds).toBeGreaterThan(0);
    expect(sample!.processSeconds.self).toBeGreaterThanOrEqual(0);
    expect(sample!.mainThreads.self?.runSeconds).toBeGreaterThan(0);
  });
});
