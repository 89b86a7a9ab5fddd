import { dropIndex } from '../src/db/migration-helpers.js';

/**
 * Every state save of a running job moves next_run_at (a one-off run sets it to NULL as it starts), and every
 * finished one-off job is deleted, so this index cost one more page in each of those write transactions: with
 * thousands of hangups due at once, a part of the time they wait. Its only reader was Agenda's queue size
 * (next_run_at < now over every name), asked by getRunningStats while a shutdown drains and by Agendash. Those
 * now count the pending jobs by a scan of a table that holds only jobs not yet run. The lock and the upserts seek
 * scheduled_jobs_due_idx and scheduled_jobs_call_id_idx, which stay.
 */
export const { up, down } = dropIndex('scheduled_jobs', ['next_run_at'], { name: 'scheduled_jobs_next_run_at_idx' });
