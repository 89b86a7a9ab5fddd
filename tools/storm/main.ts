import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditAgainstNetwork, auditLedger, moneyErrors, type SimLeg } from './audit.js';
import { drive } from './driver.js';
import { destinations, SimulatedNetwork } from './network.js';
import { parseStormOptions, StormUsageError, USAGE, type StormOptions } from './options.js';
import { createStormDatabase, createStormUsers, type StormDatabase, type StormUser } from './population.js';
import { histogramQuantile, mergeHistograms, sumByLabel, sumSamples } from './prometheus.js';
import { buildServer, startInstance, startSimulatorProcess, type RunningInstance, type RunningSimulatorProcess } from './processes.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './proxy.js';
import { countNotices, formatReport, percentile, type StormReport } from './report.js';
import { watchCpu } from './machine.js';
import { startWakeupCanary } from './wakeup-canary.js';
import { compareMoneyIn, moneyInErrors, paidSessions, resendUnacknowledged, startStormStripe, topUpEntries, topUpOverHttp, type TopUpCounts } from './money-in.js';
import type { RunningStripeSimulator } from '../../src/sim/stripe/simulator.js';
import type { HttpSession } from './http-session.js';
import { lowerThisThread } from './harness-priority.js';

const METRICS_TOKEN = 'storm-metrics-token-0123456789';

/**
 * Credit is kept small and topped up before calls: a hold pays for at most a few minutes of talk, so a call
 * whose final callbacks are all lost is due for reconciliation minutes (real time) after it starts, not hours.
 * One user in ten is never topped up: their last calls are cut at the credit limit, then refused.
 */
const CREDIT = { richMicros: 2_000_000, tightMicros: 1_500_000, tightEvery: 10 };

/**
 * `npm run storm`: a standalone simulator with faults, K app instances behind a round-robin proxy (PUBLIC_URL),
 * many users calling at once over HTTP, then a wait for every hold to settle and a money audit. Exits 1 on any
 * money error, 2 on a usage error.
 */
async function main(): Promise<number> {
  let options: StormOptions;
  try {
    options = parseStormOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof StormUsageError)) throw err;
    console.error(`${err.message}\nusage: ${USAGE}`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-storm-'));
  const say = (line: string) => console.log(`[storm +${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
  const t0 = performance.now();
  say(`logs and report in ${dir}`);
  let sim: RunningSimulatorProcess | undefined;
  let stripe: RunningStripeSimulator | undefined;
  let proxy: RoundRobinProxy | undefined;
  let database: StormDatabase | undefined;
  const instances: RunningInstance[] = [];
  let stopping = false;
  const cleanUp = async () => {
    stopping = true;
    await Promise.all(instances.map((i) => i.child.stop()));
    await sim?.child.stop();
    await stripe?.close();
    await proxy?.close();
    if (database) {
      if (options.keep) say(`kept the database: ${database.describe}`);
      else await database.drop();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping the instances and the simulator`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  try {
    // The instances run the compiled server, as `npm start` does: compile first if the sources changed.
    buildServer();
    sim = await startSimulatorProcess({ speed: options.speed, logDir: dir, nice: options.harnessNice });
    proxy = await startRoundRobinProxy([]);
    database = await createStormDatabase({ kind: options.db, serverUrl: options.databaseUrl, dir });
    say(`simulator at ${sim.url}, proxy (PUBLIC_URL) at ${proxy.url}, database ${database.describe}`);

    const userCount = Math.min(options.concurrency, options.calls);
    const users = await createStormUsers(database.services, userCount, CREDIT);
    const topUpCounts: TopUpCounts = { started: 0, paid: 0, refused: new Map() };
    if (options.topUps) {
      stripe = await startStormStripe({ proxyUrl: proxy.url, speed: options.speed, faults: options.faults.size > 0, drop: STRIPE_DROPPED_EVENTS });
      say(`Stripe simulator at ${stripe.url}${options.faults.size ? ` with faults (duplicate, reorder, 3 s delay, ${STRIPE_DROPPED_EVENTS} events dropped, 3 REST 503s)` : ''}`);
    }
    const topUp = stripe ? topUpByCard(database, CREDIT, stripe.url, topUpCounts) : topUpBelow(database, CREDIT);
    const network = new SimulatedNetwork(sim.url, options.faults);
    await network.setUpPhones(users);
    say(`${users.length} users with verified phones and credit; phones and faults set`);

    const env = { ...instanceEnv(options, sim.url, proxy.url, database.env), ...(stripe ? { STRIPE_API_BASE: stripe.url, TOP_UP_MIN: '1' } : {}) };
    instances.push(...(await Promise.all(Array.from({ length: options.instances }, (_, index) => startInstance({ index, logDir: dir, env, built: true })))));
    proxy.setUpstreams(instances.map((i) => i.url));
    say(`${instances.length} instance(s) up: ${instances.map((i) => i.url).join(', ')}`);
    // An instance that dies mid-storm is a finding in itself (a crash under load), not something to average away.
    const died: string[] = [];
    for (const instance of instances) {
      instance.child.process.once('exit', (code, signal) => {
        if (stopping) return;
        died.push(`${instance.child.name} exited (${signal ?? code}) during the storm: see ${instance.child.logFile}`);
        say(died.at(-1)!);
      });
    }

    network.startRestFailures();
    const pids = { 'storm driver + proxy': 'self' as const, simulator: sim.child.process.pid, ...Object.fromEntries(instances.map((i) => [i.child.name, i.child.process.pid])) };
    let stopWatchingCpu: ReturnType<typeof watchCpu> = () => undefined;
    let stopCanary: ReturnType<typeof startWakeupCanary> = async () => undefined;
    let driveStart = performance.now();
    const scrape = (from: typeof instances) =>
      Promise.all(from.map(async (i) => (await fetch(`${i.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()));
    // What the instances had used when driving began (start-up, migrations and log-ins are not a call's cost).
    let atDriveStart: Promise<string[]> = Promise.resolve([]);
    const progressEvery = Math.max(1, Math.floor(options.calls / 10));
    const driven = await drive({
      users,
      instances: () => instances.map((i) => i.url),
      calls: options.calls,
      rate: options.rate,
      destinations,
      // The instances keep the product's STATUS_WAIT_MS (25 s): polls are long polls, answered as the call changes,
      // wherever the change was recorded (on PostgreSQL through LISTEN/NOTIFY), as a browser's are.
      retryPauseMs: 1_000,
      // A call whose callbacks were all lost stays open until reconciliation, minutes after its expected end:
      // the user stops watching it after a while, and the settlement phase waits for it.
      callTimeoutMs: 90_000,
      beforeCall: topUp,
      onDriving: () => {
        say(`${users.length} users logged in; calling`);
        driveStart = performance.now();
        atDriveStart = scrape(instances);
        stopWatchingCpu = watchCpu(pids, (name) => (name.startsWith('instance-') ? 'instances' : name));
        stopCanary = startWakeupCanary();
        // After the instances (children inherit a nice value) and the canary (which measures at their priority).
        lowerThisThread(options.harnessNice);
      },
      onProgress: (done) => done % progressEvery === 0 && say(`${done} calls done`),
    });
    const driveSeconds = (performance.now() - driveStart) / 1000;
    const cpu = stopWatchingCpu();
    const wakeups = await stopCanary();
    await network.stopRestFailures();
    say(`driving done in ${driveSeconds.toFixed(0)} s; waiting for every hold to settle (reconciliation included)`);

    const settleStart = performance.now();
    await waitForSettlement(database, options.settleTimeoutSeconds, say);
    if (stripe) await waitForMoneyIn(database, stripe, options.settleTimeoutSeconds, say);
    const settleSeconds = (performance.now() - settleStart) / 1000;

    const alive = instances.filter((i) => i.child.process.exitCode === null && i.child.process.signalCode === null);
    const texts = await scrape(alive);
    const before = await atDriveStart;
    const legs = await network.legs<SimLeg>();
    const holdKeys = await holdKeysBySid(database);
    const ledger = await auditLedger(database.db);
    const moneyIn = stripe ? { ...compareMoneyIn(await topUpEntries(database.db), paidSessions(stripe)), started: topUpCounts.started, paid: topUpCounts.paid, refused: Object.fromEntries(topUpCounts.refused), events: stripe.events().length } : undefined;
    const truth = await auditAgainstNetwork(database.db, legs, options.graceSeconds, (sid) => holdKeys.get(sid) ?? sid);
    const clickOwn = mergeHistograms(texts, 'callbridge_click_to_create_seconds');
    const webhook = mergeHistograms(texts, 'callbridge_webhook_duration_seconds');
    const toMs = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
    const report: StormReport = {
      options: { ...options, faults: [...options.faults] },
      seconds: { drive: driveSeconds, settle: settleSeconds, total: (performance.now() - t0) / 1000 },
      drive: {
        attempted: driven.attempted,
        placed: driven.placed,
        polls: driven.polls,
        lateStarts: driven.lateStarts,
        refused: Object.fromEntries(driven.refused),
        errors: Object.fromEntries(driven.errors),
        finalStates: Object.fromEntries(driven.finalStates),
      },
      latencyMs: {
        clickRoundTrip: { p50: percentile(driven.clickMs, 0.5), p99: percentile(driven.clickMs, 0.99) },
        clickToCreateOwn: { p50: toMs(histogramQuantile(clickOwn, 0.5)), p99: toMs(histogramQuantile(clickOwn, 0.99)), count: clickOwn.count },
        webhook: { p50: toMs(histogramQuantile(webhook, 0.5)), p99: toMs(histogramQuantile(webhook, 0.99)), count: webhook.count },
      },
      twilio: {
        requests: sumSamples(texts, 'callbridge_twilio_request_duration_seconds_count'),
        errors: sumSamples(texts, 'callbridge_twilio_request_errors_total'),
        notices: countNotices(await network.notices()),
      },
      cpu,
      costPerCall: costPerCompletedCall(before, texts, driven.finalStates.get('completed') ?? 0, alive.length === instances.length),
      wakeups,
      ledger,
      truth,
      moneyIn,
      moneyErrors: [...moneyErrors(ledger, truth), ...moneyInErrors(moneyIn)],
    };
    writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(formatReport(report));
    for (const line of died) console.log(`crash: ${line}`);
    return report.moneyErrors.length || died.length ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

function instanceEnv(options: StormOptions, simUrl: string, publicUrl: string, dbEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...dbEnv,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TWILIO_API_BASE: simUrl,
    PUBLIC_URL: publicUrl,
    TRUST_PROXY: 'true',
    SESSION_SECRET: 'storm-session-secret-shared-by-every-instance',
    METRICS_TOKEN,
    // The simulator's phones cannot press 1 to confirm; the storm is about money, not the confirmation prompt.
    CONFIRM_ANSWER: 'false',
    // Storm users call back to back, many calls an hour, some never answered: the toll-fraud limits (docs/security.md)
    // would refuse and hold them. The storm measures money under load, so the limits are out of its way.
    CALL_ATTEMPTS_PER_HOUR: '1000000',
    CALL_ATTEMPTS_PER_DAY: '1000000',
    CALL_DESTINATIONS_PER_DAY: '1000000',
    FREE_UNANSWERED_PER_DAY: '1000000',
    HOLD_AFTER_UNANSWERED_PER_DAY: '1000000',
    NEW_ACCOUNT_DAYS: '0',
  };
}

/**
 * The instances' CPU time and database statements from the start of driving to the end of settlement (every click,
 * poll, webhook, job and settlement), per call that completed. Undefined if an instance died (its share is lost).
 */
const STATEMENTS_METRIC = 'callbridge_db_statements_total';

function costPerCompletedCall(before: string[], after: string[], completed: number, allAlive: boolean): StormReport['costPerCall'] {
  if (!allAlive || completed === 0 || before.length !== after.length) return undefined;
  const used = (name: string) => sumSamples(after, name) - sumSamples(before, name);
  const kindsBefore = sumByLabel(before, STATEMENTS_METRIC, 'kind');
  const byKind = [...sumByLabel(after, STATEMENTS_METRIC, 'kind')]
    .map(([kind, count]) => ({ kind, perCall: (count - (kindsBefore.get(kind) ?? 0)) / completed }))
    .filter((k) => k.perCall > 0)
    .sort((a, b) => b.perCall - a.perCall);
  return { completed, cpuMs: (used('process_cpu_seconds_total') * 1000) / completed, statements: used(STATEMENTS_METRIC) / completed, byKind };
}

/** Tops a rich user's available credit back up to its starting amount when it falls under half of it. */
function topUpBelow(database: StormDatabase, credit: typeof CREDIT): (user: StormUser) => Promise<void> {
  const { wallet } = database.services.money;
  return async (user) => {
    if (user.tight) return;
    const available = (await wallet.peek(user.id)).availableMicros;
    if (available < credit.richMicros / 2) await wallet.credit(user.id, { kind: 'purchase', amountMicros: credit.richMicros - available, description: 'Storm top-up' });
  };
}

/** Events the Stripe simulator never delivers with --faults (resent after driving, as from Stripe's dashboard). */
const STRIPE_DROPPED_EVENTS = 5;

/**
 * --top-ups: a rich user whose available credit is under half its start tops up $2 by card over HTTP, at most once
 * in 10 s (the credit arrives when Stripe's event does, so the next call may still find it low).
 */
function topUpByCard(database: StormDatabase, credit: typeof CREDIT, stripeUrl: string, counts: TopUpCounts): (user: StormUser, session: HttpSession, base: string) => Promise<void> {
  const { wallet } = database.services.money;
  const last = new Map<number, number>();
  return async (user, session, base) => {
    if (user.tight || Date.now() - (last.get(user.id) ?? 0) < 10_000) return;
    if ((await wallet.peek(user.id)).availableMicros >= credit.richMicros / 2) return;
    last.set(user.id, Date.now());
    await topUpOverHttp(session, base, stripeUrl, String(credit.richMicros / 1_000_000), counts);
  };
}

/**
 * Money in settles when every paid checkout session has its credit: resends the events the app never acknowledged
 * (the dropped ones), then waits for the instances' event job to credit them, resending again every 20 s.
 */
async function waitForMoneyIn(database: StormDatabase, stripe: RunningStripeSimulator, timeoutSeconds: number, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastResend = 0;
  for (;;) {
    const paid = paidSessions(stripe);
    const credited = new Set((await topUpEntries(database.db)).map((e) => e.reference));
    const missing = paid.filter((p) => !credited.has(p.id)).length;
    if (missing === 0) return say(`money in settled: ${paid.length} paid session(s) credited`);
    if (Date.now() - lastResend > 20_000) {
      lastResend = Date.now();
      say(`${missing} paid session(s) not credited yet; resent ${resendUnacknowledged(stripe)} unacknowledged Stripe event(s)`);
    }
    if (Date.now() > deadline) return say(`gave up waiting for money in after ${timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** Waits until no credit hold is open, or the timeout passes (the audit then reports what is still open). */
async function waitForSettlement(database: StormDatabase, timeoutSeconds: number, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = -1;
  for (;;) {
    const row = await database.db('credit_holds').where({ status: 'open' }).count({ n: '*' }).first();
    const open = Number(row?.n ?? 0);
    if (open === 0) return;
    if (open !== last) say(`${open} hold(s) still open`);
    last = open;
    if (Date.now() > deadline) return say(`gave up waiting after ${timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** Twilio's parent call SID → the hold's key (the app's own call id), from the calls table when there is one. */
async function holdKeysBySid(database: StormDatabase): Promise<Map<string, string>> {
  if (!(await database.db.schema.hasTable('calls'))) return new Map();
  const rows: { id: string; parent_sid: string | null }[] = await database.db('calls').select('id', 'parent_sid');
  return new Map(rows.filter((r) => r.parent_sid).map((r) => [r.parent_sid!, r.id]));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('storm failed:', err);
    process.exit(3);
  },
);
