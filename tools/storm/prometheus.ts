/** Just enough of the Prometheus text format to add up histograms from several instances. */

export interface Histogram {
  /** Upper bounds (seconds), ascending, ending with Infinity; counts are cumulative. */
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

/**
 * Adds the buckets of every series of `name` (all label sets, all instances' texts) into one histogram.
 * An optional label filter keeps only series whose labels include it (e.g. { status: '200' }).
 */
export function mergeHistograms(texts: string[], name: string, filter: Record<string, string> = {}): Histogram {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const parsed = parseSample(line);
      if (!parsed || !matches(parsed.labels, filter)) continue;
      if (parsed.name === `${name}_bucket`) {
        const le = parsed.labels.le === '+Inf' ? Infinity : Number(parsed.labels.le);
        byLe.set(le, (byLe.get(le) ?? 0) + parsed.value);
      } else if (parsed.name === `${name}_count`) count += parsed.value;
      else if (parsed.name === `${name}_sum`) sum += parsed.value;
    }
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({ le, count: c }));
  return { buckets, count, sum };
}

/** Sum of every sample of a counter or gauge (all label sets) across texts. */
export function sumSamples(texts: string[], name: string, filter: Record<string, string> = {}): number {
  let total = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const parsed = parseSample(line);
      if (parsed && parsed.name === name && matches(parsed.labels, filter)) total += parsed.value;
    }
  }
  return total;
}

/** Sum of every sample of `name` across texts, per value of one label (samples without it are left out). */
export function sumByLabel(texts: string[], name: string, label: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const parsed = parseSample(line);
      const value = parsed?.labels[label];
      if (parsed?.name === name && value !== undefined) totals.set(value, (totals.get(value) ?? 0) + parsed.value);
    }
  }
  return totals;
}

/**
 * The q-quantile (0..1) by linear interpolation inside the bucket it falls in, as PromQL's histogram_quantile
 * does; undefined with no observations. The answer is as precise as the bucket bounds around it.
 */
export function histogramQuantile(histogram: Histogram, q: number): number | undefined {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const bucket of histogram.buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return previous.le;
      const inBucket = bucket.count - previous.count;
      const fraction = inBucket === 0 ? 1 : (rank - previous.count) / inBucket;
      return previous.le + (bucket.le - previous.le) * fraction;
    }
    previous = bucket;
  }
  return previous.le;
}

function parseSample(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  if (!line || line.startsWith('#')) return undefined;
  const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
  if (!match) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
  return { name: match[1]!, labels, value: Number(match[3]) };
}

function matches(labels: Record<string, string>, filter: Record<string, string>): boolean {
  return Object.entries(filter).every(([k, v]) => labels[k] === v);
}
