import { describe, expect, it } from 'vitest';
import { parseStormOptions } from '../../tools/storm/options.js';
import { histogramQuantile, mergeHistograms, sumByLabel, sumSamples } from '../../tools/storm/prometheus.js';
import { statementKindsLine } from '../../tools/storm/report.js';

describe('storm options', () => {
  it('has defaults for a quick SQLite run', () => {
    expect(parseStormOptions([], {})).toMatchObject({ calls: 200, concurrency: 20, instances: 1, db: 'sqlite', speed: 60, topUps: false });
  });

  it('turns card top-ups on with --top-ups', () => {
    expect(parseStormOptions(['--top-ups', '--faults', 'all'], {}).topUps).toBe(true);
  });

  it('reads a full PostgreSQL run', () => {
    const o = parseStormOptions(['--calls', '10000', '--concurrency', '200', '--instances', '3', '--db', 'postgres', '--faults', 'all'], {});
    expect(o).toMatchObject({ calls: 10_000, concurrency: 200, instances: 3, db: 'postgres', databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect([...o.faults]).toEqual(['duplicate', 'shuffle', 'delay', 'drop', 'rest-errors', 'slow-rest']);
    expect(parseStormOptions(['--db', 'postgres'], {}).instances).toBe(3);
    expect([...parseStormOptions(['--faults', 'drop,slow-rest'], {}).faults]).toEqual(['drop', 'slow-rest']);
  });

  it.each([
    [['--calls', '0'], '--calls: expected a whole number'],
    [['--db', 'mysql'], '--db: expected sqlite or postgres'],
    [['--instances', '2'], '--instances: SQLite is one embedded database file'],
    [['--faults', 'gremlins'], '--faults: unknown fault "gremlins"'],
    [['--db', 'postgres', '--database-url', 'mysql://x'], '--database-url: expected a postgres:// URL'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('names the bad option: %o', (argv, message) => {
    expect(() => parseStormOptions(argv, {})).toThrow(message);
  });
});

describe('Prometheus text from several instances', () => {
  const instance = (fast: number, slow: number) => `# HELP h help
# TYPE h histogram
h_bucket{le="0.01",route="/a"} ${fast}
h_bucket{le="0.1",route="/a"} ${fast + slow}
h_bucket{le="+Inf",route="/a"} ${fast + slow}
h_sum{route="/a"} 1
h_count{route="/a"} ${fast + slow}
c_total{status="500"} 2
c_total{status="503"} 3
`;

  it('adds histograms and counters across instances', () => {
    const merged = mergeHistograms([instance(90, 0), instance(0, 10)], 'h');
    expect(merged.count).toBe(100);
    expect(merged.buckets).toEqual([{ le: 0.01, count: 90 }, { le: 0.1, count: 100 }, { le: Infinity, count: 100 }]);
    expect(sumSamples([instance(1, 1), instance(1, 1)], 'c_total')).toBe(10);
    expect(sumSamples([instance(1, 1)], 'c_total', { status: '503' })).toBe(3);
    expect(sumByLabel([instance(1, 1), instance(1, 1)], 'c_total', 'status')).toEqual(new Map([['500', 4], ['503', 6]]));
  });

  it('prints the statement kinds largest first, the tail as one figure', () => {
    const kinds = [
      { kind: 'update agenda_jobs', perCall: 20 },
      { kind: 'select calls', perCall: 5.25 },
      { kind: 'commit', perCall: 1 },
    ];
    expect(statementKindsLine(kinds, 2)).toBe('update agenda_jobs 20.0, select calls 5.3, others 1.0');
    expect(statementKindsLine(kinds)).toBe('update agenda_jobs 20.0, select calls 5.3, commit 1.0');
  });

  it('interpolates quantiles inside buckets', () => {
    const merged = mergeHistograms([instance(90, 0), instance(0, 10)], 'h');
    expect(histogramQuantile(merged, 0.5)).toBeCloseTo(0.01 * (50 / 90));
    expect(histogramQuantile(merged, 0.99)).toBeCloseTo(0.01 + 0.09 * 0.9);
    expect(histogramQuantile(mergeHistograms([], 'h'), 0.5)).toBeUndefined();
  });
});
