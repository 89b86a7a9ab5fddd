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

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Postgres runs share one database: test files must not migrate it concurrently.
    fileParallelism: !process.env.DATABASE_URL,
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: [...JOURNEYS, ...PROCESSES, ...ENGINE_SPECIFIC, ...BROWSER] } },
      { extends: true, test: { name: 'journeys', include: JOURNEYS } },
      { extends: true, test: { name: 'processes', include: PROCESSES, exclude: ENGINE_SPECIFIC } },
      { extends: true, test: { name: 'engine', include: ENGINE_SPECIFIC } },
      { extends: true, test: { name: 'browser', include: BROWSER } },
    ],
  },
});
