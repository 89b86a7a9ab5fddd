import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import { readWavInfo } from '../shared/wav.js';
import type { Telephony } from '../telephony/telephony.js';
import type { RecordingStorage } from './recording-storage.js';
import { resolveRecording, type RecordingPolicyName, type RecordingReason } from './recording-policy.js';
import { recordingCharge, type RecordingSettings } from './recording-settings.js';
import type { AccountPolicy, RecordingRecord, RecordingsRepository } from './recordings-repository.js';

export interface RecordingsServiceDeps {
  repo: RecordingsRepository;
  storage: RecordingStorage;
  ledger: Pick<Ledger, 'debitUpToWithin'>;
  telephony: Telephony | undefined;
  clock: Clock;
  logger: Logger;
  /** The account the user pays from now (the dial page's choice); absent: the user's own preference and quota alone. */
  payingAccount?: ((userId: number, remembered?: number | null) => Promise<{ accountId: number }>) | undefined;
  /** Queues the process job (download, store, bill, delete at Twilio); undefined when composed without jobs. */
  schedule?: ((recordingId: number) => Promise<void>) | undefined;
}

/** Whether the user's next call will be recorded, and why (or why not). */
export interface RecordingOutlook {
  optedIn: boolean;
  willRecord: boolean;
  overQuota: boolean;
  usedBytes: number;
  quotaBytes: number;
  reason: RecordingReason;
  /** The paying account: a team's name when a team pays (its policy and quota apply), null for personal calls. */
  teamName: string | null;
  policy: RecordingPolicyName;
}

export type RecordingCallback = {
  callSid: string;
  recordingSid: string;
  status: 'in-progress' | 'completed' | 'absent' | 'failed';
  durationS: number | null;
  channels: number | null;
  errorCode: number | null;
};

/** A downloaded file shorter or longer than Twilio said by more than this is refused (and retried). */
const LENGTH_TOLERANCE_MS = 1_500;
const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const STATUSES = new Set(['in-progress', 'completed', 'absent', 'failed']);

/** Twilio's recording status callback parameters, checked; null when they are not a recording callback. */
export function recordingCallbackParams(raw: Record<string, unknown>): RecordingCallback | null {
  const text = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string) : undefined);
  const callSid = text('CallSid');
  const recordingSid = text('RecordingSid');
  const status = text('RecordingStatus');
  if (!callSid || !CALL_SID.test(callSid) || !recordingSid || !RECORDING_SID.test(recordingSid) || !status || !STATUSES.has(status)) return null;
  const int = (name: string) => (/^\d{1,7}$/.test(text(name) ?? '') ? Number(text(name)) : null);
  return { callSid, recordingSid, status: status as RecordingCallback['status'], durationS: int('RecordingDuration'), channels: int('RecordingChannels'), errorCode: int('ErrorCode') };
}

export function recordingsService(deps: RecordingsServiceDeps) {
  const { repo, storage, clock, logger } = deps;
  const now = () => clock.now().toISOString();
  const client = () => {
    if (!deps.telephony) throw new Error('telephony is not configured');
    return deps.telephony.client;
  };

  /**
   * The outlook of a call the user makes, paid by `accountId` (null: a call from before accounts paid, the user's
   * own): the team's policy over the member's preference, then the paying account's quota (resolveRecording).
   */
  /** `known`: the account's policy when the caller read it already (with the call), so it is not read again. */
  async function outlookFor(userId: number, accountId: number | null, known?: AccountPolicy): Promise<RecordingOutlook> {
    const account = accountId === null ? undefined : (known ?? (await repo.accountPolicy(accountId)));
    const [optedIn, settings, usedBytes] = await Promise.all([
      repo.preference(userId), repo.settings(), accountId === null ? repo.storedBytes(userId) : repo.storedBytesForAccount(accountId),
    ]);
    const overQuota = usedBytes >= settings.quotaBytes;
    const kind = account?.kind ?? 'personal';
    const policy = account?.policy ?? 'optional';
    const { willRecord, reason } = resolveRecording({ accountKind: kind, policy, optedIn, overQuota });
    return { optedIn, willRecord, overQuota, usedBytes, quotaBytes: settings.quotaBytes, reason, teamName: kind === 'team' ? account!.name : null, policy };
  }

  /** The outlook of the user's next call, from the account they pay from now. */
  async function outlook(userId: number, remembered?: number | null): Promise<RecordingOutlook> {
    const accountId = deps.payingAccount ? (await deps.payingAccount(userId, remembered)).accountId : null;
    return outlookFor(userId, accountId);
  }

  /** Fetches the WAV with our credentials (Basic auth), following a redirect to a CDN the way fetch does. */
  async function fetchMedia(rec: RecordingRecord): Promise<Uint8Array> {
    const twilio = client();
    const url = `${twilio.api.baseUrl}/2010-04-01/Accounts/${twilio.accountSid}/Recordings/${rec.twilioSid}.wav`;
    const auth = Buffer.from(`${twilio.username}:${twilio.password}`).toString('base64');
    const response = await fetch(url, { headers: { Authorization: `Basic ${auth}` }, signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new Error(`recording media ${rec.twilioSid}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Download, check, store, bill once: the row turns stored (with its charge) in the ledger's transaction. */
  async function download(rec: RecordingRecord): Promise<RecordingRecord> {
    const bytes = await fetchMedia(rec);
    const info = readWavInfo(bytes);
    if (!info) throw new Error(`recording ${rec.twilioSid}: the media is not a WAV file`);
    const expectedMs = (rec.durationS ?? 0) * 1000;
    if (Math.abs(info.durationMs - expectedMs) > LENGTH_TOLERANCE_MS) throw new Error(`recording ${rec.twilioSid}: ${info.durationMs} ms of audio, Twilio said ${expectedMs} ms`);
    if (rec.channels !== null && info.channels !== rec.channels) throw new Error(`recording ${rec.twilioSid}: ${info.channels} channels, Twilio said ${rec.channels}`);
    const key = `u${rec.userId}/${rec.callId}.wav`;
    // Written before the row says stored: a crash here leaves the row processing, and the rerun writes it again.
    await storage.put(key, bytes);
    const settings = await repo.settings();
    const charge = recordingCharge(rec.durationS ?? 0, settings.ratePerMinMicros);
    // The recording is paid by the account that paid the call (a team's wallet for a team call).
    const paidBy = (await repo.callOwner(rec.callId))?.accountId;
    const payer = paidBy == null ? rec.userId : { accountId: paidBy, userId: rec.userId };
    await repo.transaction(async (trx) => {
      const stamp = now();
      if (!(await repo.update(rec.id, 'processing', { status: 'stored', bytes: bytes.length, path: key, storedAt: stamp, channels: info.channels }, trx))) return;
      if (charge.micros <= 0) return;
      const { takenMicros } = await deps.ledger.debitUpToWithin(trx, payer, {
        kind: 'recording_charge', amountMicros: charge.micros, description: `Call recording, ${charge.minutes} min`, reference: rec.callId, idempotencyKey: `recording:${rec.id}`,
      });
      await repo.update(rec.id, 'stored', { chargedMicros: takenMicros }, trx);
    });
    logger.info({ callId: rec.callId, recordingSid: rec.twilioSid, bytes: bytes.length, chargedMicros: charge.micros }, 'recording stored');
    return (await repo.find(rec.id))!;
  }

  /** Removes the media at Twilio once we hold it (or no longer want it); already gone counts as done. */
  async function deleteAtTwilio(rec: RecordingRecord): Promise<void> {
    try {
      await client().recordings(rec.twilioSid).remove();
    } catch (err) {
      if ((err as { code?: number }).code !== 20404) throw err;
    }
    await repo.update(rec.id, ['stored', 'deleted', 'failed'], { deletedAtTwilioAt: now() });
  }

  return {
    outlook,
    /** The outlook of the user's next call from an account already resolved (the request's paying account). */
    outlookFrom: (userId: number, accountId: number) => outlookFor(userId, accountId),
    preference: (userId: number) => repo.preference(userId),
    setPreference: (userId: number, on: boolean) => repo.setPreference(userId, on),
    settings: () => repo.settings(),
    saveSettings: (settings: RecordingSettings, actorId: number) => repo.saveSettings(settings, actorId),

    /** For the calls feature at dial time: the notices when this call records, null when it does not. */
    async planFor(call: { id: string; userId: number }): Promise<{ callerNotice: string; calleeNotice: string } | null> {
      // The account that pays for this call decides (a team's policy, its quota), not the dial page's current choice.
      const payer = await repo.callPayer(call.id);
      if (!(await outlookFor(call.userId, payer?.accountId ?? null, payer?.policy)).willRecord) return null;
      const settings = await repo.settings();
      return { callerNotice: settings.callerNotice, calleeNotice: settings.calleeNotice };
    },
    calleeNotice: async () => (await repo.settings()).calleeNotice,

    /** The signed recording status callback; idempotent on RecordingSid + status, any arrival order. */
    async onCallback(callId: string, params: RecordingCallback): Promise<'applied' | 'ignored'> {
      const owner = await repo.callOwner(callId);
      if (!owner || (owner.parentSid !== null && owner.parentSid !== params.callSid)) {
        logger.warn({ callId, recordingSid: params.recordingSid }, 'recording callback for an unknown call or another Twilio call; ignored');
        return 'ignored';
      }
      const rec = await repo.ensure(callId, owner.userId, params.recordingSid);
      if (rec.twilioSid !== params.recordingSid) return 'ignored';
      if (params.status === 'completed') {
        await repo.update(rec.id, 'processing', { durationS: params.durationS ?? 0, channels: params.channels, mediaReadyAt: now() });
        await deps.schedule?.(rec.id);
      } else if (params.status === 'absent' || params.status === 'failed') {
        await repo.update(rec.id, 'processing', { status: 'failed', errorCode: params.errorCode });
      }
      return 'applied';
    },

    /**
     * The process job: download and store (billing once), then delete at Twilio. Each step is recorded on the row,
     * so a rerun after a crash anywhere does only what is left: nothing is lost, stored twice or billed twice.
     */
    async process(recordingId: number): Promise<void> {
      let rec = await repo.find(recordingId);
      if (!rec?.mediaReadyAt) return;
      if (rec.status === 'processing') rec = await download(rec);
      if (!rec.deletedAtTwilioAt && (rec.status === 'stored' || rec.status === 'deleted')) await deleteAtTwilio(rec);
    },
    /** The download step alone (tests stop here to play a crash before the deletion at Twilio). */
    async downloadOnly(recordingId: number): Promise<void> {
      const rec = await repo.find(recordingId);
      if (rec?.mediaReadyAt && rec.status === 'processing') await download(rec);
    },

    forCall: (userId: number, callId: string) => repo.forUserCall(userId, callId),
    /** Whether the user made the call or manages the account that paid it (anyone else's and a missing one: false). */
    ownsCall: (userId: number, callId: string) => repo.seesCall(userId, callId),
    /** A team's recordings page (newest 100): undefined when the user is not in the team (a 404, like an unknown id). */
    forAccount: (userId: number, accountId: number) => repo.forAccount(userId, accountId, 100),
    forCalls: (userId: number, callIds: string[]) => repo.forUserCalls(userId, callIds),
    /** The stored file of the user's own call, or undefined (another user's call looks like a missing one). */
    async media(userId: number, callId: string): Promise<{ recording: RecordingRecord; size: number; read: RecordingStorage['read'] } | undefined> {
      const rec = await repo.forUserCall(userId, callId);
      if (!rec || rec.status !== 'stored' || !rec.path) return undefined;
      const size = await storage.size(rec.path);
      if (size === null) return undefined;
      const path = rec.path;
      return { recording: rec, size, read: (_key, range) => storage.read(path, range) };
    },
    /** The user deletes their recording: the file goes at once, the row stays as "deleted" (its quota is freed). */
    async deleteByUser(userId: number, callId: string): Promise<'deleted' | 'not-found' | 'not-stored'> {
      const rec = await repo.forUserCall(userId, callId);
      if (!rec) return 'not-found';
      if (rec.status !== 'stored') return 'not-stored';
      if (rec.path) await storage.remove(rec.path);
      await repo.update(rec.id, 'stored', { status: 'deleted', path: null, bytes: 0, deletedAt: now() });
      return 'deleted';
    },
    /** The hourly job: retention, then requeue recordings whose processing stopped half-way (a lost job). */
    async maintain(): Promise<{ removed: number; requeued: number }> {
      const removed = await this.applyRetention();
      let requeued = 0;
      for (const rec of await repo.unfinished(100)) {
        await deps.schedule?.(rec.id);
        requeued++;
      }
      return { removed, requeued };
    },
    /** The retention job: recordings older than the admin-set days lose their file and their row. */
    async applyRetention(): Promise<number> {
      const settings = await repo.settings();
      const before = new Date(clock.now().getTime() - settings.retentionDays * 86_400_000).toISOString();
      let removed = 0;
      for (const rec of await repo.olderThan(before, 500)) {
        if (rec.mediaReadyAt && !rec.deletedAtTwilioAt) await deleteAtTwilio(rec).catch((err: unknown) => logger.warn({ err, recordingSid: rec.twilioSid }, 'could not delete an expired recording at Twilio'));
        if (rec.path) await storage.remove(rec.path);
        await repo.remove(rec.id);
        removed++;
      }
      if (removed > 0) logger.info({ removed, retentionDays: settings.retentionDays }, 'expired recordings deleted');
      return removed;
    },
  };
}

export type RecordingsService = ReturnType<typeof recordingsService>;
