import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STORE_QUERY_EVENT, PREPARED_QUERY_EVENT } from '../db/query-events.js';
import { cachedStatementKind } from '../db/statement-kind.js';
import type { Settlement } from '../calls/call-credit.js';
import { OPEN_HOLDS_METRIC } from '../ledger/ledger-reads.js';
import { CallStartTiming } from './call-start-timing.js';
import type { TwilioRequestObserver, TwilioRequestSample } from '../telephony/twilio-timing.js';

/** Where the scrape-time gauges read from: a few indexed COUNT queries, run only when /metrics is scraped. */
export interface MetricsSources {
  openHolds(): Promise<{ count: number; heldMicros: number }>;
  /** Calls not yet settled, by state. */
  callsByState?(): Promise<Record<string, number>>;
}

/** Seconds, tuned for webhook handlers and Twilio API calls: 1 ms up to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds a job started after its due time: jobs are polled every 500 ms, so most land under 1 s. */
const LATENESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

/**
 * One Prometheus registry and its metrics, per app: tests build many apps in one process, so nothing is
 * registered on prom-client's global default registry.
 */
export class AppMetrics {
  readonly registry = new Registry();
  readonly webhookSeconds = new Histogram({
    name: 'callbridge_webhook_duration_seconds',
    help: 'Time to answer a Twilio webhook, by route and HTTP status',
    labelNames: ['route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly twilioSeconds = new Histogram({
    name: 'callbridge_twilio_request_duration_seconds',
    help: 'Twilio REST API request time, by operation and HTTP status ("error" when no response came)',
    labelNames: ['operation', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly twilioErrors = new Counter({
    name: 'callbridge_twilio_request_errors_total',
    help: 'Twilio REST API requests that failed: an HTTP error status, or no response (timeout, refused)',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly clickToCreateSeconds = new Histogram({
    name: 'callbridge_click_to_create_seconds',
    help: 'Our own time from POST /calls arriving to the Twilio create-call request leaving',
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** Mount its middleware early; the Twilio HTTP client reports to it through twilioObserver. */
  readonly callStart = new CallStartTiming((seconds) => this.clickToCreateSeconds.observe(seconds));
  readonly jobLateness = new Histogram({
    name: 'callbridge_job_lateness_seconds',
    help: 'How late a job with a due time started after it (hangups at the credit deadline)',
    labelNames: ['job'] as const,
    buckets: LATENESS_BUCKETS,
    registers: [this.registry],
  });
  readonly settlements = new Counter({
    name: 'callbridge_settlements_total',
    help: 'Calls settled (charged, or released with nothing to pay)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly repeatSettlements = new Counter({
    name: 'callbridge_repeat_settlements_refused_total',
    help: 'Settlement attempts for an already settled call (duplicate callbacks, reconciliation races): nothing charged again',
    registers: [this.registry],
  });
  readonly chargedMicros = new Counter({
    name: 'callbridge_charged_micros_total',
    help: 'Call charges written to the ledger, in micro-units',
    registers: [this.registry],
  });
  readonly uncollectedMicros = new Counter({
    name: 'callbridge_uncollected_micros_total',
    help: 'Call cost above what the balance could pay (a call that overran its credit), written off, in micro-units',
    registers: [this.registry],
  });

  /** Every statement the process sent to the database: the storm divides it by the calls completed. */
  readonly dbStatements = new Counter({
    name: 'callbridge_db_statements_total',
    help: 'Statements sent to the database (knex queries, transaction control included, prepared hot-path statements and the PostgreSQL job store\'s own), by verb and first table',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  /** prom-client's default process metrics are more than we need; this is the one the storm's cost per call reads. */
  readonly cpuSeconds = new Gauge({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time this process has used, in seconds',
    registers: [this.registry],
    collect() {
      const { user, system } = process.cpuUsage();
      this.set((user + system) / 1e6);
    },
  });

  private readonly openHolds = new Gauge({
    name: OPEN_HOLDS_METRIC,
    help: 'Credit holds of calls not yet settled',
    registers: [this.registry],
  });
  private readonly openHeldMicros = new Gauge({
    name: 'callbridge_open_credit_held_micros',
    help: 'Credit reserved by calls not yet settled, in micro-units',
    registers: [this.registry],
  });
  private readonly calls = new Gauge({
    name: 'callbridge_calls',
    help: 'Calls not yet settled, by state (live, ending, or waiting for reconciliation)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  constructor(private readonly sources: MetricsSources) {}

  /** What createTelephony wires into the Twilio SDK's HTTP client. */
  readonly twilioObserver: TwilioRequestObserver = {
    leaving: (operation) => this.callStart.requestLeaving(operation),
    done: (sample) => this.observeTwilioRequest(sample),
  };

  /** Records one Twilio REST request. */
  observeTwilioRequest(sample: TwilioRequestSample): void {
    const labels = { operation: sample.operation, status: sample.status };
    this.twilioSeconds.observe(labels, sample.seconds);
    if (sample.status === 'error' || Number(sample.status) >= 400) this.twilioErrors.inc(labels);
  }

  /** Counts every statement `db` sends from now on (a counter increment each); returns what stops counting. */
  countStatements(db: Knex): () => void {
    const kindOf = cachedStatementKind();
    const count = (sql: string) => this.dbStatements.inc({ kind: kindOf(sql) });
    const countQuery = (query: { sql: string }) => count(query.sql);
    db.on('query', countQuery);
    db.on(PREPARED_QUERY_EVENT, count);
    db.on(JOB_STORE_QUERY_EVENT, count);
    return () => {
      db.off('query', countQuery);
      db.off(PREPARED_QUERY_EVENT, count);
      db.off(JOB_STORE_QUERY_EVENT, count);
    };
  }

  /** Counts one settlement result from CallCredit.settle / release. */
  observeSettlement(settlement: Settlement): void {
    if (settlement.alreadySettled) {
      this.repeatSettlements.inc();
      return;
    }
    this.settlements.inc({ outcome: settlement.chargedMicros > 0 ? 'charged' : 'free' });
    this.chargedMicros.inc(settlement.chargedMicros);
    this.uncollectedMicros.inc(settlement.uncollectedMicros);
  }

  /** The text Prometheus scrapes; the state gauges are read from the database now, not kept up per request. */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.refreshGauges();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async refreshGauges(): Promise<void> {
    const [holds, calls] = await Promise.all([this.sources.openHolds(), this.sources.callsByState?.()]);
    this.openHolds.set(holds.count);
    this.openHeldMicros.set(holds.heldMicros);
    this.calls.reset();
    for (const [state, count] of Object.entries(calls ?? {})) this.calls.set({ state }, count);
  }
}
