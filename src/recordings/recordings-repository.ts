import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { readSettings, SETTINGS_KEY, type RecordingSettings } from './recording-settings.js';

export type RecordingStatus = 'processing' | 'stored' | 'failed' | 'deleted';

export interface RecordingRecord {
  id: number;
  callId: string;
  userId: number;
  twilioSid: string;
  status: RecordingStatus;
  durationS: number | null;
  channels: number | null;
  bytes: number;
  path: string | null;
  errorCode: number | null;
  chargedMicros: number;
  mediaReadyAt: string | null;
  storedAt: string | null;
  deletedAtTwilioAt: string | null;
  deletedAt: string | null;
  createdAt: string;
}

interface RecordingRow {
  id: number;
  call_id: string;
  user_id: number;
  twilio_sid: string;
  status: RecordingStatus;
  duration_s: number | null;
  channels: number | null;
  bytes: number | string;
  path: string | null;
  error_code: number | null;
  charged_micros: number | string;
  media_ready_at: string | null;
  stored_at: string | null;
  deleted_at_twilio_at: string | null;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
}

function toRecord(row: RecordingRow): RecordingRecord {
  return {
    id: Number(row.id), callId: row.call_id, userId: Number(row.user_id), twilioSid: row.twilio_sid, status: row.status,
    durationS: row.duration_s === null ? null : Number(row.duration_s), channels: row.channels === null ? null : Number(row.channels),
    bytes: Number(row.bytes), path: row.path, errorCode: row.error_code === null ? null : Number(row.error_code), chargedMicros: Number(row.charged_micros),
    mediaReadyAt: row.media_ready_at, storedAt: row.stored_at, deletedAtTwilioAt: row.deleted_at_twilio_at, deletedAt: row.deleted_at, createdAt: row.created_at,
  };
}

export interface RecordingPatch {
  status?: RecordingStatus;
  durationS?: number | null;
  channels?: number | null;
  bytes?: number;
  path?: string | null;
  errorCode?: number | null;
  chargedMicros?: number;
  mediaReadyAt?: string;
  storedAt?: string;
  deletedAtTwilioAt?: string;
  deletedAt?: string;
}

const COLUMNS: Record<keyof RecordingPatch, string> = {
  status: 'status', durationS: 'duration_s', channels: 'channels', bytes: 'bytes', path: 'path', errorCode: 'error_code',
  chargedMicros: 'charged_micros', mediaReadyAt: 'media_ready_at', storedAt: 'stored_at', deletedAtTwilioAt: 'deleted_at_twilio_at', deletedAt: 'deleted_at',
};

/** The recordings feature's tables: recordings, recording_preferences, and its key in settings. */
export function recordingsRepository(db: Db, clock: Clock) {
  const now = () => clock.now().toISOString();
  const toColumns = (patch: RecordingPatch) => {
    const row: Record<string, unknown> = { updated_at: now() };
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) row[COLUMNS[key as keyof RecordingPatch]] = value;
    return row;
  };
  return {
    async preference(userId: number): Promise<boolean> {
      const row = await db('recording_preferences').where({ user_id: userId }).first<{ record_calls: number | boolean } | undefined>('record_calls');
      return Boolean(row?.record_calls);
    },
    async setPreference(userId: number, recordCalls: boolean): Promise<void> {
      await db('recording_preferences').insert({ user_id: userId, record_calls: recordCalls, updated_at: now() }).onConflict('user_id').merge();
    },
    async settings(): Promise<RecordingSettings> {
      const row = await db('settings').where({ key: SETTINGS_KEY }).first<{ value: string } | undefined>('value');
      return readSettings(row?.value);
    },
    /** The new settings and their audit row, in one transaction. */
    async saveSettings(settings: RecordingSettings, actorId: number): Promise<void> {
      await db.transaction(async (trx) => {
        const old = await trx('settings').where({ key: SETTINGS_KEY }).first<{ value: string } | undefined>('value');
        await trx('settings').insert({ key: SETTINGS_KEY, value: JSON.stringify(settings) }).onConflict('key').merge();
        await recordAudit(trx, clock, { actorId, action: 'recordings.settings', subject: 'recordings', summary: 'Changed the recording settings', oldValue: readSettings(old?.value), newValue: settings });
      });
    },
    /** The call's owner and Twilio parent SID (read from the calls feature's table: a recording belongs to a call). */
    async callOwner(callId: string): Promise<{ userId: number; accountId: number | null; parentSid: string | null } | undefined> {
      const row = await db('calls').where({ id: callId }).first<{ user_id: number; account_id: number | null; parent_sid: string | null } | undefined>('user_id', 'account_id', 'parent_sid');
      return row ? { userId: Number(row.user_id), accountId: row.account_id == null ? null : Number(row.account_id), parentSid: row.parent_sid } : undefined;
    },
    async find(id: number): Promise<RecordingRecord | undefined> {
      const row = await db<RecordingRow>('recordings').where({ id }).first();
      return row ? toRecord(row) : undefined;
    },
    async forCall(callId: string): Promise<RecordingRecord | undefined> {
      const row = await db<RecordingRow>('recordings').where({ call_id: callId }).first();
      return row ? toRecord(row) : undefined;
    },
    async forUserCall(userId: number, callId: string): Promise<RecordingRecord | undefined> {
      const row = await db<RecordingRow>('recordings').where({ call_id: callId, user_id: userId }).first();
      return row ? toRecord(row) : undefined;
    },
    async forUserCalls(userId: number, callIds: string[]): Promise<RecordingRecord[]> {
      if (callIds.length === 0) return [];
      return (await db<RecordingRow>('recordings').where({ user_id: userId }).whereIn('call_id', callIds)).map(toRecord);
    },
    /** The first callback names the recording; a repeat (or a later status arriving first) finds it there. */
    async ensure(callId: string, userId: number, twilioSid: string): Promise<RecordingRecord> {
      const stamp = now();
      await db('recordings').insert({ call_id: callId, user_id: userId, twilio_sid: twilioSid, status: 'processing', created_at: stamp, updated_at: stamp }).onConflict('call_id').ignore();
      return (await this.forCall(callId))!;
    },
    /** Changes the row only while it has the expected status; returns whether it did. */
    async update(id: number, expected: RecordingStatus | RecordingStatus[], patch: RecordingPatch, trx?: Knex.Transaction): Promise<boolean> {
      const statuses = Array.isArray(expected) ? expected : [expected];
      return (await (trx ?? db)('recordings').where({ id }).whereIn('status', statuses).update(toColumns(patch))) > 0;
    },
    transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
      return db.transaction(work);
    },
    async storedBytes(userId: number): Promise<number> {
      const row = await db('recordings').where({ user_id: userId, status: 'stored' }).sum<{ total: number | string | null }[]>({ total: 'bytes' }).first();
      return Number(row?.total ?? 0);
    },
    /** Recordings created before `before` (ISO), oldest first. */
    async olderThan(before: string, limit: number): Promise<RecordingRecord[]> {
      return (await db<RecordingRow>('recordings').where('created_at', '<', before).orderBy('created_at').limit(limit)).map(toRecord);
    },
    /** Recordings whose download or deletion at Twilio has not finished (the process job reruns them). */
    async unfinished(limit: number): Promise<RecordingRecord[]> {
      return (await db<RecordingRow>('recordings').whereNotNull('media_ready_at').whereNull('deleted_at_twilio_at').whereIn('status', ['processing', 'stored', 'deleted']).limit(limit)).map(toRecord);
    },
    async remove(id: number): Promise<void> {
      await db('recordings').where({ id }).delete();
    },
  };
}

export type RecordingsRepository = ReturnType<typeof recordingsRepository>;
