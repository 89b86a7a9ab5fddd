import { defineConfig } from 'vitest/config';

/**
 * Test projects. `npm test` (and a bare `npx vitest run`) runs all of them; while working, run the fast part:
 *   npx vitest run --project unit
 * unit: pure and in-process tests (an app on an in-memory SQLite database, supertest, no simulator, no child process).
 * A new test file lands in unit unless it matches one of the lists below.
 */

/** Calls through the Twilio simulator or the whole product stack: real timers, seconds per file. */
const JOURNEYS = [
  'test/sim/**/*.test.ts',
  'test/calls/call-faults.test.ts',
  'test/calls/call-guard.test.ts',
  'test/calls/call-scenarios.test.ts',
  'test/calls/create-unanswered.test.ts',
  'test/calls/placement-prefetch.test.ts',
  'test/calls/reconcile-stale.test.ts',
  'test/calls/status-poll.test.ts',
  'test/calls/status-wait.test.ts',
  'test/calls/twilio-calls.test.ts',
  'test/calls/toll-fraud.test.ts',
  'test/calls/number-types.test.ts',
  'test/api/api-calls.test.ts',
  'test/admin/admin-calls.test.ts',
  'test/metrics/metrics.test.ts',
  'test/phone/phone-verification.test.ts',
  'test/http/session-early-read.test.ts',
  'test/payments/dispute-hold.test.ts',
  'test/payments/stripe-event-jobs.test.ts',
  'test/payments/auto-top-up.test.ts',
];
/** Tests that start processes: the built server, several instances, the storm and load harnesses. */
const PROCESSES = [
  'test/build/**/*.test.ts',
  'test/storm/**/*.test.ts',
  'test/load/**/*.test.ts',
  'test/main-process.test.ts',
  'test/jobs/multi-process.test.ts',
  'test/calls/kill.test.ts',
];
/** Written for one engine's behaviour (they skip themselves without DATABASE_URL or MONGODB_URL). */
const ENGINE_SPECIFIC = ['test/**/postgres-*.test.ts', 'test/**/mongo-*.test.ts'];
const BROWSER = ['test/browser/**/*.test.ts'];

const ALL = ['test/**/*.test.ts', 'src/**/*.test.ts'];

const SIDE_BY_SIDE = { maxWorkers: 2, sequence: { groupOrder: 0 } };
const ONE_AT_A_TIME = { maxWorkers: 1, sequence: { groupOrder: 1 } };

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // PostgreSQL runs: a database per worker (LISTEN/NOTIFY channels and advisory locks are per database), so files
    // run side by side as on SQLite.
    setupFiles: process.env.DATABASE_URL ? ['test/helpers/worker-database.ts'] : [],
    // Two groups, one after the other. First the in-process files, two at a time: most of their time is real time
    // spent waiting (a call's timers, a long-poll's wait), so a second file fills it. Then the files that start
    // processes or a browser, or prove locking on one engine, one at a time: they load both cores themselves and
    // report timings.
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: [...JOURNEYS, ...PROCESSES, ...ENGINE_SPECIFIC, ...BROWSER], ...SIDE_BY_SIDE } },
      { extends: true, test: { name: 'journeys', include: JOURNEYS, ...SIDE_BY_SIDE } },
      { extends: true, test: { name: 'processes', include: PROCESSES, exclude: ENGINE_SPECIFIC, ...ONE_AT_A_TIME } },
      { extends: true, test: { name: 'engine', include: ENGINE_SPECIFIC, ...ONE_AT_A_TIME } },
      { extends: true, test: { name: 'browser', include: BROWSER, ...ONE_AT_A_TIME } },
    ],
  },
});
