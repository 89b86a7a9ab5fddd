import { recordingRetentionJob } from '../../src/jobs/definitions/recording-jobs.js';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { MongoBackend } from '@agendajs/mongo-backend';
import { loadConfig } from '../../src/config/config.js';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';
import { reconcileCallsJob } from '../../src/jobs/definitions/reconcile-calls.js';
import { resetFreeMinutesJob } from '../../src/jobs/definitions/reset-free-minutes.js';
import { createJobBackend, selectJobStore } from '../../src/jobs/job-store.js';
import { createJobScheduler, handleFloatingUnlocks, type JobScheduler } from '../../src/jobs/scheduler.js';
import { SqliteBackend } from '../../src/jobs/sqlite-backend/sqlite-backend.js';
import { createSchedulerTestbed, type SchedulerTestbed } from './helpers/scheduler-testbed.js';
import { waitFor } from './helpers/wait.js';

const silent = pino({ level: 'silent' });
const fakeHandlers = () => ({ hangupCall: vi.fn(async () => undefined), reconcileCalls: vi.fn(async () => undefined), resetFreeMinutes: vi.fn(async () => undefined) });

describe('job store selection', () => {
  const pgUrl = 'postgres://u@db/app';
  it('follows the data with JOBS_STORE=auto: SQLite by default, Postgres with DATABASE_URL, MongoDB with JOBS_MONGODB_URL', () => {
    expect(selectJobStore(loadConfig({}))).toBe('sqlite');
    expect(selectJobStore(loadConfig({ DATABASE_URL: pgUrl }))).toBe('postgres');
    expect(selectJobStore(loadConfig({ JOBS_MONGODB_URL: 'mongodb://m/jobs' }))).toBe('mongodb');
    expect(selectJobStore(loadConfig({ DATABASE_URL: pgUrl, JOBS_STORE: 'mongodb', JOBS_MONGODB_URL: 'mongodb://m/jobs' }))).toBe('mongodb');
  });

  it('refuses an explicit store the rest of the config cannot serve', () => {
    expect(() => selectJobStore(loadConfig({ JOBS_STORE: 'mongodb' }))).toThrow(/JOBS_MONGODB_URL/);
    expect(() => selectJobStore(loadConfig({ JOBS_STORE: 'postgres' }))).toThrow(/DATABASE_URL/);
    expect(() => selectJobStore(loadConfig({ JOBS_STORE: 'sqlite', DATABASE_URL: pgUrl }))).toThrow(/SQLite/);
  });

  it('builds the matching backend', async () => {
    const db = createDb({ client: 'sqlite', file: ':memory:' });
    expect(createJobBackend({ config: loadConfig({}), db })).toBeInstanceOf(SqliteBackend);
    expect(createJobBackend({ config: loadConfig({ DATABASE_URL: pgUrl }), db })).toBeInstanceOf(PostgresBackend);
    expect(createJobBackend({ config: loadConfig({ JOBS_MONGODB_URL: 'mongodb://127.0.0.1:1/jobs' }), db })).toBeInstanceOf(MongoBackend);
    await db.destroy();
  });
});

describe('job scheduler lifecycle', () => {
  let bed: SchedulerTestbed | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await bed?.destroy();
    bed = undefined;
  });

  it('registers the recurring jobs on start, once however many times the app restarts', async () => {
    bed = await createSchedulerTestbed({ recurring: true });
    await bed.scheduler.start();
    await bed.scheduler.stop();
    const again = createJobScheduler({ config: loadConfig({}), db: undefined as never, logger: silent, handlers: fakeHandlers(), backend: bed.store.createBackend(), processEvery: 100 });
    await again.start();
    cleanups.push(() => again.stop());
    const names = (await again.agenda.queryJobs()).jobs.map((j) => j.name).sort();
    expect(names).toEqual([resetFreeMinutesJob, reconcileCallsJob, recordingRetentionJob].sort());
  });

  it('stops gracefully: a running job finishes, and jobs locked ahead of their time are released', async () => {
    let finished = false;
    bed = await createSchedulerTestbed({ processEvery: 2_000 });
    bed.handlers.hangupCall.mockImplementation(async (callId: string) => {
      if (callId === 'slow') {
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      }
    });
    await bed.scheduler.start();
    await bed.scheduler.scheduleHangup('slow', new Date());
    await bed.scheduler.scheduleHangup('soon', new Date(Date.now() + 1_500));
    // Read through the test's own connection: a stopped scheduler on PostgreSQL has closed its pool.
    const queryHangup = async (callId: string) => (await bed!.store.repository.queryJobs({ name: hangupCallJob, data: { callId } })).jobs[0];
    await waitFor(() => bed!.handlers.hangupCall.mock.calls.length === 1, 'the slow hangup to start');
    await waitFor(async () => (await queryHangup('soon'))?.lockedAt !== undefined, 'the next hangup to be locked ahead of time');
    await bed.scheduler.stop();
    expect(finished).toBe(true);
    expect((await queryHangup('soon'))?.lockedAt).toBeUndefined();
  });

  it("logs its own job failures, and survives other instances' failures that Agenda re-emits from PostgreSQL notifications", async () => {
    const lines: { level: number; msg: string; job?: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    bed = await createSchedulerTestbed({ logger });
    bed.handlers.hangupCall.mockRejectedValue(new Error('Twilio said no'));
    await bed.scheduler.start();
    // What Agenda 6 emits when another instance's job failed: (message, notification, true), not (Error, Job).
    expect(() => bed!.scheduler.agenda.emit('fail', 'Twilio said no', { type: 'fail', jobName: hangupCallJob, jobId: 'elsewhere', source: 'other' }, true)).not.toThrow();
    await bed.scheduler.scheduleHangup('here', new Date());
    await waitFor(() => lines.some((l) => l.msg === 'job failed'), 'the local failure to be logged');
    expect(lines.filter((l) => l.msg === 'job failed')).toEqual([expect.objectContaining({ level: 50, job: hangupCallJob })]);
    expect(lines.filter((l) => l.msg === 'a job failed on another instance')).toEqual([expect.objectContaining({ level: 20, job: hangupCallJob })]);
  });

  it('fails to start, with the reason, when the job table has not been migrated', async () => {
    const db = createDb({ client: 'sqlite', file: ':memory:' });
    cleanups.push(() => db.destroy());
    const scheduler = createJobScheduler({ config: loadConfig({}), db, logger: silent, handlers: fakeHandlers() });
    await expect(scheduler.start()).rejects.toThrow(/migrations/);
  });
});

describe('two schedulers in one process on the app database (SQLite, one shared connection)', () => {
  let db: Db;
  let schedulers: JobScheduler[] = [];
  afterEach(async () => {
    await Promise.all(schedulers.map((s) => s.stop()));
    schedulers = [];
    await db.destroy();
  });

  it('run each hangup exactly once', async () => {
    db = createDb({ client: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
    const runs = new Map<string, number>();
    const bus = new EventEmitter();
    const handlers = { ...fakeHandlers(), hangupCall: async (callId: string) => void runs.set(callId, (runs.get(callId) ?? 0) + 1) };
    schedulers = [1, 2].map(() => createJobScheduler({ config: loadConfig({}), db, logger: silent, handlers, processEvery: 100, recurring: false, notificationBus: bus }));
    await Promise.all(schedulers.map((s) => s.start()));
    const at = new Date(Date.now() + 200);
    for (let i = 0; i < 40; i++) await schedulers[i % 2]!.scheduleHangup(`CA-${i}`, at);
    await waitFor(() => runs.size === 40, 'all 40 hangups');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('job locks Agenda releases without awaiting', () => {
  it('logs a failed release instead of leaving an unhandled rejection, and passes every other call through', async () => {
    class Repository {
      private readonly pool = { ended: true };
      async unlockJob(_job: { name: string; _id: string }): Promise<void> {
        if (this.pool.ended) throw new Error('Cannot use a pool after calling end on the pool');
      }
      async count(): Promise<number> {
        return this.pool.ended ? 7 : 0;
      }
    }
    const warn = vi.fn();
    const logger = { warn } as unknown as pino.Logger;
    const repository = handleFloatingUnlocks(new Repository() as never, logger) as unknown as Repository;
    await expect(repository.unlockJob({ name: hangupCallJob, _id: 'j1' })).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ job: hangupCallJob, jobId: 'j1', err: expect.objectContaining({ message: expect.stringMatching(/pool/) }) }), expect.stringMatching(/job lock/));
    expect(await repository.count()).toBe(7);
  });
});
