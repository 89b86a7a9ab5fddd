import type { Rate } from './rate.js';

const NO_NODE = 0; // node 0 is the root, so no child ever points back to it
const NO_RATE = -1;
const DIGIT_ZERO = 48;

/**
 * Longest-prefix match over E.164 digits: a digit trie packed into typed arrays (ten child slots per node),
 * which keeps a 50,000-row deck in a few megabytes and answers a lookup with one array read per digit.
 * Immutable once built; the deck service builds a new one whenever rates change.
 */
export class PrefixIndex {
  private constructor(
    private readonly children: Int32Array,
    private readonly rateAt: Int32Array,
    private readonly rates: readonly Rate[],
  ) {}

  static build(rates: readonly Rate[]): PrefixIndex {
    let capacity = 1024;
    let children = new Int32Array(capacity * 10);
    let rateAt = new Int32Array(capacity).fill(NO_RATE);
    let nodes = 1;
    rates.forEach((rate, index) => {
      let node = 0;
      for (let i = 0; i < rate.prefix.length; i++) {
        const digit = rate.prefix.charCodeAt(i) - DIGIT_ZERO;
        if (digit < 0 || digit > 9) throw new Error(`prefix ${rate.prefix} has a non-digit`);
        const slot = node * 10 + digit;
        let child = children[slot]!;
        if (child === NO_NODE) {
          if (nodes === capacity) {
            capacity *= 2;
            children = grow(children, capacity * 10);
            rateAt = grow(rateAt, capacity, NO_RATE);
          }
          child = nodes++;
          children[slot] = child;
        }
        node = child;
      }
      // A later row with the same prefix wins; the deck validator rejects duplicates before we get here.
      rateAt[node] = index;
    });
    return new PrefixIndex(children.slice(0, nodes * 10), rateAt.slice(0, nodes), rates);
  }

  get size(): number {
    return this.rates.length;
  }

  /** The rate whose prefix is the longest match for `digits` (E.164 without "+"; a leading "+" is skipped). */
  lookup(digits: string): Rate | undefined {
    const { children, rateAt } = this;
    let node = 0;
    let best = NO_RATE;
    for (let i = digits.charCodeAt(0) === 43 ? 1 : 0; i < digits.length; i++) {
      const digit = digits.charCodeAt(i) - DIGIT_ZERO;
      if (digit < 0 || digit > 9) break;
      node = children[node * 10 + digit]!;
      if (node === NO_NODE) break;
      const here = rateAt[node]!;
      if (here !== NO_RATE) best = here;
    }
    return best === NO_RATE ? undefined : this.rates[best];
  }

  all(): readonly Rate[] {
    return this.rates;
  }
}

function grow(array: Int32Array, length: number, fill = 0): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(length);
  if (fill !== 0) bigger.fill(fill);
  bigger.set(array);
  return bigger;
}
