/** npm run bench: every benchmark, one after another, each printing its own figures. */
import { adminBench } from './admin.bench.js';
import { callsBench } from './calls.bench.js';
import { contactsBench } from './contacts.bench.js';
import { apiBench } from './api.bench.js';
import { dialBench } from './dial.bench.js';
import { historyBench } from './history.bench.js';
import { instancesBench } from './instances.bench.js';
import { formatJobsBench, runJobsBench } from './jobs.bench.js';
import { memoryBench } from './memory.bench.js';
import { moneyBench } from './money.bench.js';
import { openPagesBench } from './open-pages.bench.js';
import { pageWeightBench } from './page-weight.bench.js';

const jobsBench = async () => {
  for (const line of formatJobsBench(await runJobsBench({ jobs: 1000 }))) console.log(line);
};
// Issue 25's case: 10,000 hangups due at the same moment (target p99 lateness ≤ 1 s); about a minute.
const jobsBurstBench = async () => {
  for (const line of formatJobsBench(await runJobsBench({ jobs: 10_000, scenarios: ['burst'] }))) console.log(line);
};

const benches: Array<[string, () => Promise<void>]> = [
  ['page weight', pageWeightBench],
  ['dial page and preview (signed in, sample deck)', dialBench],
  ['money: rate lookups, deck import, deck memory', moneyBench],
  ['admin: rates admin page and import preview on 50,000 rates', adminBench],
  ['jobs: 1,000 hangups due within one second on SQLite', jobsBench],
  ['jobs: 10,000 hangups due at the same moment on SQLite (target p99 lateness ≤ 1 s)', jobsBurstBench],
  ['calls: status webhooks, status polls, the bytes of a 5-minute call', callsBench],
  ['api: status poll throughput against a bare Express route', apiBench],
  ['open call pages: 10,000 long polls waiting on one instance, webhooks for a sample', openPagesBench],
  ['memory: idle RSS of npm start, and after 10,000 mixed requests (simulation, then made-up Twilio credentials)', memoryBench],
  ['call history: 100,000 calls of one user', historyBench],
  ['contacts: search on 10,000 contacts of one user', contactsBench],
  // Needs DATABASE_URL=postgres://...; says so and skips otherwise.
  [`several instances on PostgreSQL: webhook and poll throughput per instance`, instancesBench],
];

for (const [name, run] of benches) {
  console.log(`\n## ${name}`);
  await run();
}
// Agenda leaves each finished job's liveness-check timer pending; the figures are printed, so do not wait for them.
process.exit(0);
