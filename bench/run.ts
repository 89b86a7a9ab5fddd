/** npm run bench: every benchmark, one after another, each printing its own figures. */
import { pageWeightBench } from './page-weight.bench.js';

const benches: Array<[string, () => Promise<void>]> = [['page weight', pageWeightBench]];

for (const [name, run] of benches) {
  console.log(`\n## ${name}`);
  await run();
}
