import type { Agenda } from 'agenda';

/**
 * After draining, jobs this worker locked ahead of their run time (Agenda locks what is due before the next scan)
 * are still locked in the store; left alone, another process could only run them once the lock lifetime passed.
 * Jobs this worker started (lastRunAt at or after the lock) keep their lock: if a drain timed out they may still
 * be running, and unlocking them would invite a second, concurrent run.
 */
export async function releaseQueuedLocks(agenda: Agenda, worker: string): Promise<number> {
  const { jobs } = await agenda.queryJobs({ state: 'running' });
  const queued = jobs.filter((job) => job.lastModifiedBy === worker && !(job.lastRunAt && job.lockedAt && job.lastRunAt >= job.lockedAt));
  if (queued.length > 0) await agenda.db.unlockJobs(queued.map((job) => job._id));
  return queued.length;
}
