import type { Db } from '../../../src/db/database.js';

export interface CallRowInput {
  id: string;
  userId: number;
  createdAt: string;
  to?: string;
  country?: string | null;
  status?: string;
  bridgedSeconds?: number | null;
  costMicros?: number | null;
}

/** Finished calls written straight into the calls table, for list, filter and pagination tests (no telephony). */
export async function insertCalls(db: Db, calls: CallRowInput[]): Promise<void> {
  const rows = calls.map((c) => {
    const live = ['starting', 'unconfirmed', 'calling', 'confirming', 'connecting', 'connected', 'ending'].includes(c.status ?? 'completed');
    return {
      id: c.id, user_id: c.userId, live_user_id: null, to_e164: c.to ?? '+442079460958', to_country: c.country === undefined ? 'GB' : c.country,
      from_e164: '+12015550123', status: c.status ?? 'completed', confirm_answer: false, created_at: c.createdAt, expected_end_at: c.createdAt,
      ended_at: live ? null : c.createdAt, time_limit_s: 600, talk_limit_s: 570, dial_timeout_s: 30, hold_micros: 1_000_000,
      bridged_seconds: c.bridgedSeconds === undefined ? 60 : c.bridgedSeconds, cost_micros: live ? null : (c.costMicros ?? 110_000), settled_at: live ? null : c.createdAt,
    };
  });
  for (let i = 0; i < rows.length; i += 200) await db('calls').insert(rows.slice(i, i + 200));
}

export function callId(n: number): string {
  return `cl_${n.toString(32).padStart(20, '0')}`;
}
