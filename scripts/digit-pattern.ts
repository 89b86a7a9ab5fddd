/**
 * Just enough regular-expression machinery to ask libphonenumber's digit patterns one question exactly:
 * "which d-digit prefixes can start a full match?". Patterns use only digits, \d, [..] classes, (?:..|..)
 * groups and the quantifiers ?, {n} and {n,m}; we compile them to an NFA and walk it digit by digit.
 */
type Node =
  | { kind: 'set'; digits: boolean[] }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

class Parser {
  private at = 0;
  constructor(private readonly src: string) {}
  parse(): Node {
    const node = this.alternation();
    if (this.at !== this.src.length) throw new Error(`unexpected ${this.src[this.at]} at ${this.at} in ${this.src}`);
    return node;
  }
  private alternation(): Node {
    const options = [this.sequence()];
    while (this.src[this.at] === '|') {
      this.at++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }
  private sequence(): Node {
    const items: Node[] = [];
    while (this.at < this.src.length && this.src[this.at] !== '|' && this.src[this.at] !== ')') items.push(this.quantified(this.atom()));
    return { kind: 'seq', items };
  }
  private atom(): Node {
    const c = this.src[this.at]!;
    if (c === '(') {
      if (this.src.slice(this.at, this.at + 3) !== '(?:') throw new Error(`capturing group in ${this.src}`);
      this.at += 3;
      const inner = this.alternation();
      this.expect(')');
      return inner;
    }
    if (c === '[') return this.charClass();
    if (c === '\\') {
      this.at += 2;
      if (this.src[this.at - 1] !== 'd') throw new Error(`unsupported escape in ${this.src}`);
      return { kind: 'set', digits: Array(10).fill(true) };
    }
    if (/\d/.test(c)) {
      this.at++;
      return single(Number(c));
    }
    throw new Error(`unsupported ${c} in ${this.src}`);
  }
  private charClass(): Node {
    this.at++;
    const digits: boolean[] = Array(10).fill(false);
    while (this.src[this.at] !== ']') {
      const from = Number(this.src[this.at++]);
      let to = from;
      if (this.src[this.at] === '-') {
        to = Number(this.src[this.at + 1]);
        this.at += 2;
      }
      for (let d = from; d <= to; d++) digits[d] = true;
    }
    this.at++;
    return { kind: 'set', digits };
  }
  private quantified(node: Node): Node {
    const c = this.src[this.at];
    if (c === '?') {
      this.at++;
      return { kind: 'repeat', node, min: 0, max: 1 };
    }
    if (c === '{') {
      const end = this.src.indexOf('}', this.at);
      const [min, max] = this.src.slice(this.at + 1, end).split(',');
      this.at = end + 1;
      return { kind: 'repeat', node, min: Number(min), max: max === undefined ? Number(min) : Number(max) };
    }
    return node;
  }
  private expect(c: string): void {
    if (this.src[this.at] !== c) throw new Error(`expected ${c} at ${this.at} in ${this.src}`);
    this.at++;
  }
}

function single(d: number): Node {
  const digits: boolean[] = Array(10).fill(false);
  digits[d] = true;
  return { kind: 'set', digits };
}

/** Thompson NFA: states with digit-set edges and epsilon edges. */
class Nfa {
  readonly edges: { digits: boolean[]; to: number }[][] = [];
  readonly epsilon: number[][] = [];
  state(): number {
    this.edges.push([]);
    this.epsilon.push([]);
    return this.edges.length - 1;
  }
  build(node: Node, from: number): number {
    switch (node.kind) {
      case 'set': {
        const to = this.state();
        this.edges[from]!.push({ digits: node.digits, to });
        return to;
      }
      case 'seq':
        return node.items.reduce((at, item) => this.build(item, at), from);
      case 'alt': {
        const end = this.state();
        for (const option of node.options) this.epsilon[this.build(option, from)]!.push(end);
        return end;
      }
      case 'repeat': {
        let at = from;
        for (let i = 0; i < node.min; i++) at = this.build(node.node, at);
        const end = this.state();
        this.epsilon[at]!.push(end);
        for (let i = node.min; i < node.max; i++) {
          at = this.build(node.node, at);
          this.epsilon[at]!.push(end);
        }
        return end;
      }
    }
  }
}

/** A compiled pattern that can list the prefixes of its matches. */
export class DigitPattern {
  private readonly nfa = new Nfa();
  private readonly start: number;
  private readonly accept: number;
  constructor(source: string) {
    this.start = this.nfa.state();
    this.accept = this.nfa.build(new Parser(source).parse(), this.start);
  }

  /** True when `text` is a complete match. */
  matches(text: string): boolean {
    return this.statesAfter(text).has(this.accept);
  }

  /** The shortest strings that fully match (a leading-digits pattern names prefixes), up to maxLength digits. */
  minimalMatches(maxLength: number, prefix = ''): string[] {
    if (this.matches(prefix)) return [prefix];
    if (prefix.length >= maxLength || !this.canStartWith(prefix)) return [];
    return Array.from({ length: 10 }, (_, d) => this.minimalMatches(maxLength, prefix + d)).flat();
  }

  private closure(states: Iterable<number>): Set<number> {
    const result = new Set<number>();
    const stack = [...states];
    while (stack.length) {
      const s = stack.pop()!;
      if (result.has(s)) continue;
      result.add(s);
      stack.push(...this.nfa.epsilon[s]!);
    }
    return result;
  }

  /** States reached after reading `prefix`, or an empty set when no match can start with it. */
  statesAfter(prefix: string): Set<number> {
    let current = this.closure([this.start]);
    for (const ch of prefix) {
      const d = Number(ch);
      const next: number[] = [];
      for (const s of current) for (const e of this.nfa.edges[s]!) if (e.digits[d]) next.push(e.to);
      current = this.closure(next);
      if (current.size === 0) break;
    }
    return current;
  }

  /** True when some full match starts with `prefix` (every state can reach an accept, since patterns have no dead ends). */
  canStartWith(prefix: string): boolean {
    return this.statesAfter(prefix).size > 0;
  }
}
