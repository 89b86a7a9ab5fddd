import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';
import { SqliteJobLogger } from '../../src/jobs/sqlite-backend/sqlite-job-logger.js';
import { createSchedulerTestbed, type SchedulerTestbed } from './helpers/scheduler-testbed.js';
import { waitFor } from './helpers/wait.js';

describe('SQLite job logger', () => {
  let db: Db;
  let logger: SqliteJobLogger;
  beforeEach(async () => {
    db = createDb({ client: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
    logger = new SqliteJobLogger(db);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('stores entries and filters, sorts and pages them; clears by query or entirely', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    await logger.log({ timestamp: at(1), level: 'info', event: 'start', jobId: 'j1', jobName: 'a', message: 'job started' });
    await logger.log({ timestamp: at(2), level: 'error', event: 'fail', jobId: 'j1', jobName: 'a', message: 'boom', error: 'boom', failCount: 1, meta: { k: 1 } });
    await logger.log({ timestamp: at(3), level: 'info', event: 'success', jobId: 'j2', jobName: 'b', message: 'ok', duration: 12 });
    const all = await logger.getLogs();
    expect(all.total).toBe(3);
    expect(all.entries.map((e) => e.event)).toEqual(['success', 'fail', 'start']);
    expect(all.entries[1]).toMatchObject({ level: 'error', error: 'boom', failCount: 1, meta: { k: 1 }, timestamp: at(2) });
    expect((await logger.getLogs({ jobId: 'j1', sort: 'asc' })).entries.map((e) => e.event)).toEqual(['start', 'fail']);
    expect((await logger.getLogs({ level: ['error', 'warn'] })).total).toBe(1);
    expect((await logger.getLogs({ event: 'success', jobName: 'b' })).entries[0]?.duration).toBe(12);
    expect((await logger.getLogs({ from: at(2), to: at(2) })).total).toBe(1);
    const page = await logger.getLogs({ limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, entries: [{ event: 'fail' }] });
    expect(await logger.clearLogs({ jobName: 'a' })).toBe(2);
    expect(await logger.clearLogs()).toBe(1);
  });
});

describe('job log through the scheduler', () => {
  let bed: SchedulerTestbed;
  beforeEach(async () => {
    bed = await createSchedulerTestbed({ jobLog: true });
    await bed.scheduler.start();
  });
  afterEach(async () => {
    await bed.destroy();
  });

  it('records the life of a job run', async () => {
    await bed.scheduler.scheduleHangup('CA-log', new Date());
    await waitFor(async () => (await bed.scheduler.agenda.getLogs({ jobName: hangupCallJob, event: 'complete' })).total === 1, 'the complete event');
    const events = (await bed.scheduler.agenda.getLogs({ jobName: hangupCallJob, sort: 'asc' })).entries.map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['start', 'success', 'complete']));
  });
});
