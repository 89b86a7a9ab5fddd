import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobParameters, JobRepository } from 'agenda';
import type { StoreFactory, StoreUnderTest } from './backends.js';

const minute = 60_000;

export function job(overrides: Partial<JobParameters> & { name: string }): JobParameters {
  return { priority: 0, nextRunAt: new Date(), type: 'normal', data: {}, ...overrides };
}

/**
 * The JobRepository contract as Agenda's types and the official backends define it, called directly.
 * Every store under test runs exactly these assertions.
 */
export function defineRepositoryContract(factory: StoreFactory): void {
  describe(`JobRepository contract: ${factory.name}`, () => {
    let store: StoreUnderTest;
    let repo: JobRepository;
    beforeEach(async () => {
      store = await factory.create();
      repo = store.repository;
    });
    afterEach(async () => {
      await store.destroy();
    });

    const save = (overrides: Partial<JobParameters> & { name: string }) => repo.saveJob(job(overrides), undefined);

    it('inserts a job and reads every field back with its type', async () => {
      const nextRunAt = new Date(Date.now() + minute);
      const saved = await repo.saveJob(
        job({ name: 'typed', priority: 10, nextRunAt, data: { callId: 'c1', n: 2, nested: { ok: true } }, repeatInterval: 60000, repeatTimezone: 'Europe/Paris' }),
        { lastModifiedBy: 'tester' },
      );
      expect(saved._id).toBeTruthy();
      const read = await repo.getJobById(String(saved._id));
      expect(read).toMatchObject({ name: 'typed', priority: 10, type: 'normal', data: { callId: 'c1', n: 2, nested: { ok: true } }, repeatTimezone: 'Europe/Paris', disabled: false });
      expect(read?.nextRunAt?.getTime()).toBe(nextRunAt.getTime());
      expect(Number(read?.repeatInterval)).toBe(60000);
      expect(read?.lastModifiedBy).toBe('tester');
      expect(await repo.getJobById('00000000-0000-4000-8000-000000000000')).toBeNull();
    });

    it('updates a job that has an _id, and returns the given job when it was removed meanwhile', async () => {
      const saved = await save({ name: 'edit', data: { v: 1 } });
      const updated = await repo.saveJob({ ...saved, priority: 5, data: { v: 2 } }, undefined);
      expect(updated._id).toBe(saved._id);
      expect(updated).toMatchObject({ priority: 5, data: { v: 2 } });
      await repo.removeJobs({ id: saved._id });
      const gone = { ...saved, data: { v: 3 } };
      expect(await repo.saveJob(gone, undefined)).toBe(gone);
      expect((await repo.queryJobs()).total).toBe(0);
    });

    it("upserts 'single' jobs by name and keeps an existing due run when asked to run now", async () => {
      const future = new Date(Date.now() + 10 * minute);
      const first = await save({ name: 'every', type: 'single', nextRunAt: future, repeatInterval: '10 minutes' });
      const again = await save({ name: 'every', type: 'single', nextRunAt: new Date(Date.now() - 1000), repeatInterval: '5 minutes' });
      expect(again._id).toBe(first._id);
      expect(again.repeatInterval).toBe('5 minutes');
      expect(again.nextRunAt?.getTime()).toBe(future.getTime());
      const later = new Date(Date.now() + 20 * minute);
      expect((await save({ name: 'every', type: 'single', nextRunAt: later })).nextRunAt?.getTime()).toBe(later.getTime());
      expect((await repo.queryJobs({ name: 'every' })).total).toBe(1);
    });

    it('upserts by a unique constraint; insertOnly returns the existing job untouched', async () => {
      const at = new Date(Date.now() + minute);
      const first = await save({ name: 'hangup', nextRunAt: at, data: { callId: 'c1' }, unique: { 'data.callId': 'c1' } });
      const moved = new Date(Date.now() + 2 * minute);
      const second = await save({ name: 'hangup', nextRunAt: moved, data: { callId: 'c1' }, unique: { 'data.callId': 'c1' } });
      expect(second._id).toBe(first._id);
      expect(second.nextRunAt?.getTime()).toBe(moved.getTime());
      const kept = await save({ name: 'hangup', nextRunAt: at, data: { callId: 'c1' }, unique: { 'data.callId': 'c1' }, uniqueOpts: { insertOnly: true } });
      expect(kept._id).toBe(first._id);
      expect(kept.nextRunAt?.getTime()).toBe(moved.getTime());
      await save({ name: 'hangup', nextRunAt: at, data: { callId: 'c2' }, unique: { 'data.callId': 'c2' }, uniqueOpts: { insertOnly: true } });
      expect((await repo.queryJobs({ name: 'hangup' })).total).toBe(2);
    });

    it('debounces unique saves: trailing pushes the run back, leading keeps it', async () => {
      const trailing = { name: 'debounced', data: { k: 't' }, unique: { 'data.k': 't' }, uniqueOpts: { debounce: { delay: 5 * minute } } };
      const before = Date.now();
      const first = await save(trailing);
      expect(first.nextRunAt!.getTime()).toBeGreaterThanOrEqual(before + 5 * minute - 1000);
      const second = await save(trailing);
      expect(second._id).toBe(first._id);
      expect(second.nextRunAt!.getTime()).toBeGreaterThanOrEqual(first.nextRunAt!.getTime());
      const leadingAt = new Date();
      const leading = { name: 'debounced', nextRunAt: leadingAt, data: { k: 'l' }, unique: { 'data.k': 'l' }, uniqueOpts: { debounce: { delay: minute, strategy: 'leading' as const } } };
      await save(leading);
      const kept = await save({ ...leading, nextRunAt: new Date(Date.now() + 9 * minute) });
      expect(kept.nextRunAt?.getTime()).toBe(leadingAt.getTime());
    });

    it('locks a job once, only at the run time the caller saw, and never a disabled one', async () => {
      const saved = await save({ name: 'lock-me' });
      expect(await repo.lockJob({ ...saved, nextRunAt: new Date(saved.nextRunAt!.getTime() + 1) }, undefined)).toBeUndefined();
      const locked = await repo.lockJob(saved, { lastModifiedBy: 'worker-1' });
      expect(locked?.lockedAt).toBeInstanceOf(Date);
      expect(await repo.lockJob(saved, undefined)).toBeUndefined();
      const disabled = await save({ name: 'lock-me', disabled: true });
      expect(await repo.lockJob(disabled, undefined)).toBeUndefined();
    });

    it('picks the next job by run time, then priority, and skips locked, disabled and not-yet-due jobs', async () => {
      const now = Date.now();
      const scanAt = new Date(now + 1000);
      const deadline = new Date(now - 10 * minute);
      await save({ name: 'other', nextRunAt: new Date(now - 5000) });
      await save({ name: 'next', nextRunAt: new Date(now + 5000) });
      await save({ name: 'next', nextRunAt: new Date(now - 5000), disabled: true });
      const low = await save({ name: 'next', nextRunAt: new Date(now - 1000), priority: 0 });
      const high = await save({ name: 'next', nextRunAt: new Date(now - 1000), priority: 20 });
      const oldest = await save({ name: 'next', nextRunAt: new Date(now - 2000), priority: -10 });
      const picks = [];
      for (let i = 0; i < 4; i++) picks.push((await repo.getNextJobToRun('next', scanAt, deadline, undefined, undefined))?._id);
      expect(picks).toEqual([oldest._id, high._id, low._id, undefined]);
      const stored = await repo.getJobById(String(high._id));
      expect(stored?.lockedAt).toBeInstanceOf(Date);
    });

    it('takes over a lock older than the lock deadline (a crashed worker) but not a fresh one', async () => {
      const now = Date.now();
      const crashedAt = new Date(now - 20 * minute);
      await save({ name: 'stale', nextRunAt: new Date(now - 21 * minute) });
      const taken = await repo.getNextJobToRun('stale', new Date(now), new Date(now - 30 * minute), crashedAt, undefined);
      expect(taken?.lockedAt?.getTime()).toBe(crashedAt.getTime());
      expect(await repo.getNextJobToRun('stale', new Date(now), new Date(now - 30 * minute), undefined, undefined)).toBeUndefined();
      const retaken = await repo.getNextJobToRun('stale', new Date(now), new Date(now - 10 * minute), undefined, undefined);
      expect(retaken?._id).toBe(taken?._id);
      expect(retaken!.lockedAt!.getTime()).toBeGreaterThan(crashedAt.getTime());
    });

    it('saves run state, and refuses to save state for a job that no longer exists', async () => {
      const saved = await save({ name: 'state' });
      const finishedAt = new Date();
      await repo.saveJobState({ ...saved, lastRunAt: finishedAt, lastFinishedAt: finishedAt, failCount: 1, failReason: 'boom', failedAt: finishedAt, nextRunAt: null, progress: 50 }, undefined);
      expect(await repo.getJobById(String(saved._id))).toMatchObject({ failCount: 1, failReason: 'boom', nextRunAt: null, progress: 50 });
      await repo.removeJobs({ id: saved._id });
      await expect(repo.saveJobState(saved, undefined)).rejects.toThrow(/cannot be updated/);
    });

    it('unlocks one job (unless it is finishing, nextRunAt null) or many by id', async () => {
      const scanAt = new Date(Date.now() + 1000);
      const deadline = new Date(Date.now() - minute);
      const a = await save({ name: 'u' });
      const locked = await repo.getNextJobToRun('u', scanAt, deadline, undefined, undefined);
      expect(locked?._id).toBe(a._id);
      await repo.unlockJob(locked!);
      expect((await repo.getJobById(String(a._id)))?.lockedAt).toBeUndefined();
      const finishing = await save({ name: 'v' });
      await repo.getNextJobToRun('v', scanAt, deadline, undefined, undefined);
      await repo.saveJobState({ ...finishing, lockedAt: new Date(), nextRunAt: null }, undefined);
      await repo.unlockJob({ ...finishing, nextRunAt: null });
      expect((await repo.getJobById(String(finishing._id)))?.lockedAt).toBeInstanceOf(Date);
      await repo.getNextJobToRun('u', scanAt, deadline, undefined, undefined);
      await repo.unlockJobs([a._id!, finishing._id!]);
      expect((await repo.queryJobs({ state: 'running' })).total).toBe(0);
      await repo.unlockJobs([]);
    });

    it('counts the queue: jobs whose run time has passed', async () => {
      await save({ name: 'q', nextRunAt: new Date(Date.now() - 1000) });
      await save({ name: 'q', nextRunAt: new Date(Date.now() - 2000) });
      await save({ name: 'q', nextRunAt: new Date(Date.now() + minute) });
      await save({ name: 'q', nextRunAt: null });
      expect(await repo.getQueueSize()).toBe(2);
    });

    it('removes, disables and enables by id, ids, name, names, notNames and data; no filter touches nothing', async () => {
      const a = await save({ name: 'a', data: { accountId: 1, tag: 'x' } });
      const b = await save({ name: 'b', data: { accountId: 2, tag: 'x' } });
      const c = await save({ name: 'c', data: { accountId: 3, tag: 'y' } });
      await save({ name: 'd', data: { accountId: 4, tag: 'y' } });
      expect(await repo.removeJobs({})).toBe(0);
      expect(await repo.disableJobs({})).toBe(0);
      expect(await repo.disableJobs({ data: { tag: 'x' } })).toBe(2);
      expect((await repo.queryJobs({ state: 'paused' })).jobs.map((j) => j.name).sort()).toEqual(['a', 'b']);
      expect(await repo.enableJobs({ names: ['a', 'c'] })).toBe(2);
      expect(await repo.enableJobs({ id: b._id })).toBe(1);
      expect(await repo.disableJobs({ notNames: ['a', 'b', 'c'] })).toBe(1);
      expect(await repo.removeJobs({ name: 'a', data: { accountId: 2 } })).toBe(0);
      expect(await repo.removeJobs({ ids: [a._id!, c._id!] })).toBe(2);
      expect(await repo.removeJobs({ data: { accountId: 4 } })).toBe(1);
      expect(await repo.removeJobs({ name: 'b' })).toBe(1);
      expect((await repo.queryJobs()).total).toBe(0);
    });

    it('purges every job', async () => {
      await save({ name: 'p1' });
      await save({ name: 'p2' });
      expect(await repo.purgeAllJobs()).toBe(2);
      expect(await repo.getDistinctJobNames()).toEqual([]);
    });

    it('queries with computed states, filters, sorting and paging', async () => {
      const now = Date.now();
      const scheduled = await save({ name: 'alpha-report', nextRunAt: new Date(now + minute), priority: 1, data: { region: 'eu' } });
      const queued = await save({ name: 'alpha-report', nextRunAt: new Date(now - minute), priority: 2, data: { region: 'us' } });
      await save({ name: 'beta', nextRunAt: null, repeatInterval: '1 hour' });
      const failedAt = new Date(now - 1000);
      const failed = await save({ name: 'beta', nextRunAt: null });
      await repo.saveJobState({ ...failed, failedAt, lastFinishedAt: failedAt, failCount: 1, failReason: 'x' }, undefined);
      const done = await save({ name: 'gamma', nextRunAt: null });
      await repo.saveJobState({ ...done, lastRunAt: failedAt, lastFinishedAt: new Date(now) }, undefined);
      await save({ name: 'gamma', nextRunAt: new Date(now + minute), disabled: true });
      const running = await save({ name: 'delta', nextRunAt: new Date(now - 10) });
      await repo.lockJob(running, undefined);

      const states = (await repo.queryJobs()).jobs.map((j) => `${j.name}:${j.state}`).sort();
      expect(states).toEqual(['alpha-report:queued', 'alpha-report:scheduled', 'beta:failed', 'beta:repeating', 'delta:running', 'gamma:completed', 'gamma:scheduled']);
      expect((await repo.queryJobs({ state: 'paused' })).jobs.map((j) => j.name)).toEqual(['gamma']);
      expect((await repo.queryJobs({ state: 'scheduled', includeDisabled: false })).jobs.map((j) => j._id)).toEqual([scheduled._id]);
      expect((await repo.queryJobs({ search: 'ALPHA' })).total).toBe(2);
      expect((await repo.queryJobs({ data: { region: 'us' } })).jobs.map((j) => j._id)).toEqual([queued._id]);
      expect((await repo.queryJobs({ names: ['beta', 'delta'] })).total).toBe(3);
      expect((await repo.queryJobs({ ids: [scheduled._id!, queued._id!] })).total).toBe(2);
      expect((await repo.queryJobs({ id: String(queued._id) })).jobs[0]?.state).toBe('queued');

      const byPriority = await repo.queryJobs({ name: 'alpha-report', sort: { priority: 'desc' } });
      expect(byPriority.jobs.map((j) => j._id)).toEqual([queued._id, scheduled._id]);
      const byNextRun = await repo.queryJobs({ sort: { nextRunAt: 'asc' } });
      expect(byNextRun.jobs[0]?._id).toBe(queued._id);
      expect(byNextRun.jobs.at(-1)?.nextRunAt).toBeNull();
      const page = await repo.queryJobs({ sort: { nextRunAt: 'asc' }, skip: 1, limit: 2 });
      expect(page.total).toBe(7);
      expect(page.jobs.map((j) => j._id)).toEqual(byNextRun.jobs.slice(1, 3).map((j) => j._id));
      const pagedState = await repo.queryJobs({ state: 'scheduled', skip: 1, limit: 5 });
      expect(pagedState.total).toBe(2);
      expect(pagedState.jobs).toHaveLength(1);
    });

    it('summarises jobs per name and lists distinct names', async () => {
      await save({ name: 'b', nextRunAt: new Date(Date.now() + minute) });
      await save({ name: 'b', nextRunAt: new Date(Date.now() - minute), disabled: true });
      await save({ name: 'a', nextRunAt: null, repeatInterval: '1 day' });
      expect(await repo.getDistinctJobNames()).toEqual(['a', 'b']);
      const overview = await repo.getJobsOverview();
      const byName = Object.fromEntries(overview.map((o) => [o.name, o]));
      expect(byName.a).toMatchObject({ total: 1, repeating: 1 });
      expect(byName.b).toMatchObject({ total: 2, scheduled: 1, queued: 1, paused: 1 });
    });
  });
}
