import type { Agenda, DrainResult } from 'agenda';

/**
 * agenda.drain() checks for the last completion on the tick after the 'complete' event, but a job that is removed
 * on completion is still in the running list then, so drain() sits until its timeout (seen on PostgreSQL: a full
 * 10 s on every shutdown). Watching the processor's running count and ending the drain ourselves avoids that.
 */
export async function drainAgenda(agenda: Agenda, timeoutMs: number): Promise<DrainResult> {
  const finished = new AbortController();
  const drained = agenda.drain({ timeout: timeoutMs, signal: finished.signal, closeConnection: false });
  const watcher = setInterval(() => {
    agenda.getRunningStats().then(
      (stats) => {
        if (stats.runningJobs === 0) finished.abort();
      },
      () => finished.abort(), // the processor is gone: nothing left to wait for
    );
  }, 50);
  try {
    const result = await drained;
    return result.aborted && result.running === 0 ? { ...result, aborted: false } : result;
  } finally {
    clearInterval(watcher);
  }
}
