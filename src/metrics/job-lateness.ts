import type { Agenda, JobWithId } from 'agenda';
import type { AppMetrics } from './metrics.js';

/**
 * Observes how late jobs that carry their due time (a hangup's `deadline`) start. Agenda has already moved
 * nextRunAt on when it reports a start, so the due time has to come from the job's own data.
 */
export function watchJobLateness(agenda: Agenda, metrics: AppMetrics): void {
  agenda.on('start', (job: JobWithId, remote?: false) => {
    // Other processes' job starts arrive here too (Postgres notifications); each instance counts only its own.
    if (remote) return;
    const deadline = (job.attrs.data as { deadline?: unknown } | undefined)?.deadline;
    if (typeof deadline !== 'string') return;
    const due = Date.parse(deadline);
    const started = (job.attrs.lastRunAt ?? new Date()).getTime();
    if (Number.isFinite(due)) metrics.jobLateness.observe({ job: job.attrs.name }, Math.max(0, started - due) / 1000);
  });
}
