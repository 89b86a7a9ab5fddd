import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { readRecordingPolicy, type RecordingPolicyName } from './recording-policy.js';
import { readSettings, SETTINGS_KEY, type RecordingSettings } from './recording-settings.js';

/** An account's kind, recording policy and name, as the recording outlook needs them. */
export interface AccountPolicy {
  kind: 'personal' | 'team';
  policy: RecordingPolicyName;
  name: string;
}

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

const MANAGERS = ['owner', 'admin'];

/** The recordings feature's tables: recordings, recording_preferences, and its key in settings. */
export function recordingsRepository(db: Db, clock: Clock) {
  const now = () => clock.now().toISOString();
  const toColumns = (patch: RecordingPatch) => {
    const row: Record<string, unknown> = { updated_at: now() };
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) row[COLUMNS[key as keyof RecordingPatch]] = value;
    return row;
  };
  const visible = (userId: number) =>
    db('recordings as r')
      .join('calls as c', 'c.id', 'r.call_id')
      .leftJoin('account_members as m', (j) => j.on('m.account_id', 'c.account_id').andOn('m.user_id', db.raw('?', [userId])))
      .where((w) => w.where('r.user_id', userId).orWhereIn('m.role', MANAGERS));
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
    /**
     * Recordings the user may hear: those of calls they made, and those of calls paid by an account they own or
     * administer (a team's owner and admins). Anything else is absent, like an unknown id.
     */
    async forUserCall(userId: number, callId: string): Promise<RecordingRecord | undefined> {
      return (await this.forUserCalls(userId, [callId]))[0];
    },
    async forUserCalls(userId: number, callIds: string[]): Promise<RecordingRecord[]> {
      if (callIds.length === 0) return [];
      const rows = await visible(userId).whereIn('r.call_id', callIds).select<RecordingRow[]>('r.*');
      return rows.map(toRecord);
    },
    /**
     * The recordings of calls a team paid for that the user may hear (all of them for its owner and admins, their own
     * for a member), newest first, with who made the call; undefined when the user is not in the team.
     */
    async forAccount(userId: number, accountId: number, limit: number): Promise<Array<RecordingRecord & { callerName: string; toE164: string }> | undefined> {
      // A personal account's id is never a team (docs/teams.md): 404 like an unknown one.
      const member = await db('account_members as m').join('accounts as a', 'a.id', 'm.account_id').where({ 'm.account_id': accountId, 'm.user_id': userId, 'a.kind': 'team' }).first('m.role');
      if (!member) return undefined;
      const rows = await visible(userId).where('c.account_id', accountId).join('users as u', 'u.id', 'r.user_id')
        .select<Array<RecordingRow & { caller_name: string; to_e164: string }>>('r.*', 'u.name as caller_name', 'c.to_e164').orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(limit);
      return rows.map((row) => ({ ...toRecord(row), callerName: row.caller_name, toE164: row.to_e164 }));
    },
    /** Whether the user made the call or manages the account that paid for it. */
    async seesCall(userId: number, callId: string): Promise<boolean> {
      const row = await db('calls as c')
        .leftJoin('account_members as m', (j) => j.on('m.account_id', 'c.account_id').andOn('m.user_id', db.raw('?', [userId])))
        .where('c.id', callId)
        .andWhere((w) => w.where('c.user_id', userId).orWhereIn('m.role', MANAGERS))
        .first('c.id');
      return row !== undefined;
    },
    /** The account that paid the call and its policy, in one read (the call joined with its account). */
    async callPayer(callId: string): Promise<{ accountId: number; policy: AccountPolicy } | undefined> {
      const row = await db('calls as c')
        .join('accounts as a', 'a.id', 'c.account_id')
        .where('c.id', callId)
        .first<{ account_id: number; kind: 'personal' | 'team'; recording_policy: string; name: string } | undefined>('c.account_id', 'a.kind', 'a.recording_policy', 'a.name');
      return row && { accountId: Number(row.account_id), policy: { kind: row.kind, policy: readRecordingPolicy(row.recording_policy), name: row.name } };
    },
    /** The paying account's kind and recording policy (a team's owner sets it; personal accounts are 'optional'). */
    async accountPolicy(accountId: number): Promise<AccountPolicy | undefined> {
      const row = await db('accounts').where({ id: accountId }).first<{ kind: 'personal' | 'team'; recording_policy: string; name: string } | undefined>('kind', 'recording_policy', 'name');
      return row && { kind: row.kind, policy: readRecordingPolicy(row.recording_policy), name: row.name };
    },
    /** Bytes stored for the calls an account paid for: the quota is the paying account's. */
    async storedBytesForAccount(accountId: number): Promise<number> {
      const row = await db('recordings as r').join('calls as c', 'c.id', 'r.call_id').where({ 'c.account_id': accountId, 'r.status': 'stored' }).sum<{ total: number | string | null }[]>({ total: 'r.bytes' }).first();
      return Number(row?.total ?? 0);
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
