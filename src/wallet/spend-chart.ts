import { formatMoney } from '../money/currency.js';

export interface DaySpend {
  day: string;
  spentMicros: number;
}

export interface ChartBar {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Shown as the bar's <title> (a tooltip, and read by screen readers). */
  label: string;
}

export interface SpendChart {
  width: number;
  height: number;
  bars: ChartBar[];
  /** Horizontal guide lines at half and all of the scale, with their amounts (the view prints these as HTML). */
  gridLines: { y: number; label: string; fraction: 0.5 | 1 }[];
  firstDay: string;
  lastDay: string;
  /** One sentence for aria-label: the chart's content for people who cannot see it. */
  summary: string;
  totalMicros: number;
}

/** Room for the top guide line's stroke; labels are HTML outside the SVG so they keep a readable size at any width. */
const PLOT_TOP = 1;

/**
 * Geometry for a bar chart of daily call spend, drawn by the view as plain SVG (no script, no inline style),
 * so it works under the strict CSP and without JavaScript.
 */
export function spendChart(days: DaySpend[], currency: string, size = { width: 360, height: 120 }): SpendChart {
  const plotHeight = size.height - PLOT_TOP;
  const max = Math.max(...days.map((d) => d.spentMicros), 0);
  const scaleMax = niceCeiling(max);
  const slot = size.width / Math.max(days.length, 1);
  const bars = days.map((d, i) => {
    const height = scaleMax === 0 ? 0 : Math.round((d.spentMicros / scaleMax) * plotHeight * 10) / 10;
    return {
      x: Math.round((i * slot + slot * 0.15) * 10) / 10,
      y: Math.round((PLOT_TOP + plotHeight - height) * 10) / 10,
      width: Math.round(slot * 0.7 * 10) / 10,
      height,
      label: `${d.day}: ${formatMoney(d.spentMicros, currency)}`,
    };
  });
  const gridLines = scaleMax === 0 ? [] : ([0.5, 1] as const).map((fraction) => ({ y: Math.round(PLOT_TOP + plotHeight * (1 - fraction)), label: formatMoney(scaleMax * fraction, currency), fraction }));
  const totalMicros = days.reduce((sum, d) => sum + d.spentMicros, 0);
  const busiest = days.reduce<DaySpend | undefined>((best, d) => (d.spentMicros > (best?.spentMicros ?? 0) ? d : best), undefined);
  const summary =
    totalMicros === 0
      ? `No call charges in the last ${days.length} days.`
      : `Call charges over the last ${days.length} days: ${formatMoney(totalMicros, currency)} in total; the most on ${busiest!.day} (${formatMoney(busiest!.spentMicros, currency)}).`;
  return { ...size, bars, gridLines, firstDay: days[0]?.day ?? '', lastDay: days.at(-1)?.day ?? '', summary, totalMicros };
}

/** The next "round" amount at or above max (1, 2, 5 × a power of ten, in micros), so guide labels read well. */
export function niceCeiling(maxMicros: number): number {
  if (maxMicros <= 0) return 0;
  let step = 10_000; // one cent
  for (;;) {
    for (const m of [1, 2, 5]) if (step * m >= maxMicros) return step * m;
    step *= 10;
  }
}
