/** npm run bench: every benchmark, one after another, each printing its own figures. */
import { dialBench } from './dial.bench.js';
import { instancesBench } from './instances.bench.js';
import { formatJobsBench, runJobsBench } from './jobs.bench.js';
import { moneyBench } from './money.bench.js';
import { pageWeightBench } from './page-weight.bench.js';

const jobsBench = async () => {
  for (const line of formatJobsBench(await runJobsBench())) console.log(line);
};

const benches: Array<[string, () => Promise<void>]> = [
  ['page weight', pageWeightBench],
  ['dial page and preview (signed in, sample deck)', dialBench],
  ['money: rate lookups, deck import, deck memory', moneyBench],
  ['jobs: 1,000 hangups due within one second on SQLite', jobsBench],
  // Needs DATABASE_URL=postgres://...; says so and skips otherwise.
  [`several instances on PostgreSQL: webhook and poll throughput per instance`, instancesBench],
];

for (const [name, run] of benches) {
  console.log(`\n## ${name}`);
  await run();
}
// Agenda leaves each finished job's liveness-check timer pending; the figures are printed, so do not wait for them.
process.exit(0);
