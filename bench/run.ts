/** npm run bench: every benchmark, one after another, each printing its own figures. */
import { moneyBench } from './money.bench.js';
import { pageWeightBench } from './page-weight.bench.js';

const benches: Array<[string, () => Promise<void>]> = [
  ['page weight', pageWeightBench],
  ['money: rate lookups, deck import, deck memory', moneyBench],
];

for (const [name, run] of benches) {
  console.log(`\n## ${name}`);
  await run();
}
