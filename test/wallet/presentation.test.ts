import { describe, expect, it } from 'vitest';
import { csvCell } from '../../src/shared/csv.js';
import { ledgerCsv, ledgerCsvLine } from '../../src/wallet/ledger-csv.js';
import { lowBalanceBanner } from '../../src/wallet/low-balance.js';
import { niceCeiling, spendChart } from '../../src/wallet/spend-chart.js';
import type { LedgerEntry } from '../../src/ledger/wallet-rows.js';

const entry: LedgerEntry = {
  id: 1,
  accountId: 1,
  userId: 1,
  kind: 'call_charge',
  amountMicros: -120_000,
  balanceAfterMicros: 4_880_000,
  freeSeconds: 0,
  reference: 'CA123',
  description: 'Call, 61 s',
  createdAt: '2026-11-21T12:00:00.000Z',
};

describe('ledger CSV', () => {
  it('writes exact decimal amounts and quotes where needed', async () => {
    expect(ledgerCsvLine(entry)).toBe('2026-11-21T12:00:00.000Z,call_charge,"Call, 61 s",-0.1200,4.8800,0,CA123');
    const lines: string[] = [];
    for await (const line of ledgerCsv((async function* () { yield entry; })())) lines.push(line);
    expect(lines[0]).toBe('date,kind,description,amount,balance_after,free_seconds,reference\r\n');
    expect(lines).toHaveLength(2);
  });

  it('defuses spreadsheet formulas but leaves negative numbers alone', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-0.12')).toBe('-0.12');
  });
});

describe('spend chart', () => {
  const days = Array.from({ length: 30 }, (_, i) => ({ day: `2026-11-${String(i + 1).padStart(2, '0')}`, spentMicros: i === 29 ? 1_500_000 : i === 0 ? 750_000 : 0 }));

  it('scales bars to a round maximum and labels each one', () => {
    const chart = spendChart(days, 'USD');
    expect(chart.bars).toHaveLength(30);
    expect(chart.gridLines.map((g) => g.label)).toEqual(['$1.0000', '$2.0000']);
    const [first] = chart.bars;
    const last = chart.bars.at(-1)!;
    expect(last.height).toBeCloseTo(first!.height * 2, 0);
    expect(last.y + last.height).toBeCloseTo(chart.height, 1);
    expect(chart.gridLines.map((g) => g.fraction)).toEqual([0.5, 1]);
    expect(last.label).toBe('2026-11-30: $1.5000');
    expect(chart.summary).toBe('Call charges over the last 30 days: $2.2500 in total; the most on 2026-11-30 ($1.5000).');
  });

  it('says so when there was nothing to spend', () => {
    const chart = spendChart(days.map((d) => ({ ...d, spentMicros: 0 })), 'USD');
    expect(chart.bars.every((b) => b.height === 0)).toBe(true);
    expect(chart.gridLines).toEqual([]);
    expect(chart.summary).toBe('No call charges in the last 30 days.');
  });

  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect(niceCeiling(0)).toBe(0);
    expect(niceCeiling(1)).toBe(10_000);
    expect(niceCeiling(1_500_000)).toBe(2_000_000);
    expect(niceCeiling(2_000_001)).toBe(5_000_000);
  });
});

describe('low-balance banner', () => {
  it('shows below the threshold, never when the threshold is 0', () => {
    expect(lowBalanceBanner({ availableMicros: 1_999_999 }, 2_000_000).show).toBe(true);
    expect(lowBalanceBanner({ availableMicros: 2_000_000 }, 2_000_000).show).toBe(false);
    expect(lowBalanceBanner({ availableMicros: 0 }, 0).show).toBe(false);
  });

  it('invites to add credit when there is none, warns when it runs low, and says nothing to an account that does not call', () => {
    expect(lowBalanceBanner({ availableMicros: 0 }, 2_000_000).kind).toBe('empty');
    expect(lowBalanceBanner({ availableMicros: 1 }, 2_000_000).kind).toBe('low');
    expect(lowBalanceBanner({ availableMicros: 2_000_000 }, 2_000_000).kind).toBe('none');
    expect(lowBalanceBanner({ availableMicros: 0 }, 2_000_000, { makesCalls: false })).toMatchObject({ show: false, kind: 'none' });
  });
});
