import type { JobParameters } from 'agenda';

/**
 * Whether a state save is the last one of a run that succeeded, for a job that Agenda deletes right after it
 * (removeOnComplete, no next run). Agenda 6 (Job.run) saves a finished one-off job's state, lock released, and then
 * removes it: two writes for a row that is gone a moment later. Deleting the row at that save instead leaves one
 * write, and the removal that follows finds nothing to delete.
 *
 * Why it is safe: a process that dies between the two steps today leaves a finished, unlocked row behind that never
 * runs again; deleting at the save leaves no row, which is the state Agenda was about to reach. A process that dies
 * before the save leaves the row locked, as today, and it is run again after its lock lifetime (at least once,
 * unchanged). The save is recognised by what only Agenda's last save of a successful run carries: no lock (the run
 * start and touch() save with one), no next run (a retry or a moved hangup has one, and is updated as before), a
 * finish time, and no failure recorded since the run started (a failed run is updated, and not removed).
 */
export function isLastSaveBeforeRemoval(job: JobParameters, removesOnSuccess: (name: string) => boolean): boolean {
  if (job.lockedAt || job.nextRunAt || !job.lastFinishedAt || !job.lastRunAt) return false;
  const startedAt = new Date(job.lastRunAt).getTime();
  if (new Date(job.lastFinishedAt).getTime() < startedAt) return false;
  if (job.failedAt && new Date(job.failedAt).getTime() >= startedAt) return false;
  return removesOnSuccess(job.name);
}
