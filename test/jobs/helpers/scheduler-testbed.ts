import pino from 'pino';
import { afterEach, beforeEach, vi } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createJobScheduler, type JobHandlers, type JobScheduler, type JobSchedulerOptions } from '../../../src/jobs/scheduler.js';
import { postgresStore, sqliteStore, type StoreUnderTest } from './backends.js';

export interface SchedulerTestbed {
  scheduler: JobScheduler;
  handlers: { [K in keyof Required<JobHandlers>]: ReturnType<typeof vi.fn<Required<JobHandlers>[K]>> };
  store: StoreUnderTest;
  destroy(): Promise<void>;
}

/** The store the app would use on this engine: SQLite by default, the official Postgres backend with DATABASE_URL. */
export const engineStore = process.env.DATABASE_URL ? postgresStore : sqliteStore;

/** A scheduler with fake handlers on a throw-away store; polls fast so tests wait briefly. */
export async function createSchedulerTestbed(overrides: Partial<JobSchedulerOptions> = {}): Promise<SchedulerTestbed> {
  const store = await engineStore.create();
  const handlers = {
    hangupCall: vi.fn(async (_callId: string) => undefined),
    reconcileCalls: vi.fn(async () => undefined),
    resetFreeMinutes: vi.fn(async () => undefined),
    deliverWebhook: vi.fn(async (_deliveryId: number) => undefined),
    sendEmail: vi.fn(async (_emailId: number) => undefined),
    processRecording: vi.fn(async (_recordingId: number) => undefined),
    recordingRetention: vi.fn(async () => undefined),
    applyStripeEvent: vi.fn(async (_eventRowId: number) => undefined),
    autoTopUp: vi.fn(async (_userId: number, _crossing: number) => undefined),
  };
  const scheduler = createJobScheduler({
    config: loadConfig({}),
    db: undefined as never, // the injected backend below carries the store; the app passes its knex instead
    logger: pino({ level: 'silent' }),
    handlers,
    backend: store.createBackend(),
    processEvery: 100,
    recurring: false,
    ...overrides,
  });
  return {
    scheduler,
    handlers,
    store,
    async destroy() {
      await scheduler.stop({ timeoutMs: 2_000 });
      await store.destroy();
    },
  };
}

/** Per-test fixture: a started scheduler testbed before each test, destroyed after it (a test may swap in its own). */
export function useStartedSchedulerTestbed(): { bed: SchedulerTestbed } {
  const holder = {} as { bed: SchedulerTestbed };
  beforeEach(async () => {
    holder.bed = await createSchedulerTestbed();
    await holder.bed.scheduler.start();
  });
  afterEach(async () => {
    await holder.bed.destroy();
  });
  return holder;
}
