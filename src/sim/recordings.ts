import { randomBytes } from 'node:crypto';
import type { CallLeg, Webhook } from './call-store.js';
import { rfc2822 } from './formats.js';
import type { Faults } from './faults.js';
import type { Handsets } from './handsets.js';
import type { SimClock, WorkTracker } from './timeline.js';
import type { WebhookSender } from './webhooks.js';

/** `<Dial record>` values (twilio-recording.md §2); legacy `true`/`false` are read as their aliases. */
export const RECORD_MODES = ['do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual'] as const;
export type RecordMode = (typeof RECORD_MODES)[number];
export const RECORDING_EVENTS = ['in-progress', 'completed', 'absent'] as const;
export type RecordingTrack = 'inbound' | 'outbound' | 'both';

/** The recording attributes of one <Dial>, as parsed (callback URL still relative to the document). */
export interface DialRecordSpec {
  mode: RecordMode;
  trim: 'trim-silence' | 'do-not-trim';
  callback: string | null;
  callbackMethod: 'GET' | 'POST';
  events: string[];
  track: RecordingTrack;
}

export type RecordingStatus = 'in-progress' | 'processing' | 'completed' | 'absent' | 'failed' | 'deleted';

export interface SimRecording {
  sid: string;
  accountSid: string;
  /** Always the parent leg of the <Dial>. */
  callSid: string;
  status: RecordingStatus;
  channels: 1 | 2;
  track: RecordingTrack;
  source: 'DialVerb';
  startTime: number;
  dateCreated: number;
  dateUpdated: number;
  durationS: number | null;
  errorCode: number | null;
  callback: Webhook | null;
  events: Set<string>;
  /** The phones in the recorded call: the handset page shows "recording" on both; faults are looked up by the second. */
  numbers: [string, string];
}

/** How long a finished recording stays "processing" before its completed callback: simulator assumption (§10). */
export const DEFAULT_PROCESSING_MS = 2_000;
/** Shorter recordings come out "absent" with 16101 (the real threshold is unknown, open question 3). */
const MIN_RECORDING_MS = 1_000;
/** The error code a recording failed by the `failRecordings` fault carries: simulator assumption. */
export const FAILED_RECORDING_CODE = 16106;

export interface RecordingDeps {
  webhooks: WebhookSender;
  clock: SimClock;
  tracker: WorkTracker;
  faults: Faults;
  handsets: Handsets;
  /** The simulator's own base URL, for RecordingUrl. */
  baseUrl: () => string;
  processingMs?: number;
}

/** Every recording of one simulator: started and stopped by the TwiML runner, read and deleted over REST. */
export class Recordings {
  private readonly all = new Map<string, SimRecording>();
  constructor(private readonly deps: RecordingDeps) {}

  get(sid: string): SimRecording | undefined {
    return this.all.get(sid);
  }
  list(): SimRecording[] {
    return [...this.all.values()];
  }

  mediaUrl(rec: SimRecording): string {
    return `${this.deps.baseUrl()}/2010-04-01/Accounts/${rec.accountSid}/Recordings/${rec.sid}`;
  }

  /** Starts recording the bridge of `parent` and `child` now; the in-progress callback goes out if subscribed. */
  start(parent: CallLeg, child: CallLeg, spec: DialRecordSpec, callback: Webhook | null): SimRecording {
    const now = parent.timeline.now();
    const dual = spec.mode.endsWith('-dual') && spec.track === 'both';
    const rec: SimRecording = {
      sid: `RE${randomBytes(16).toString('hex')}`, accountSid: parent.accountSid, callSid: parent.sid, status: 'in-progress',
      channels: dual ? 2 : 1, track: spec.track, source: 'DialVerb', startTime: now, dateCreated: now, dateUpdated: now,
      durationS: null, errorCode: null, callback, events: new Set(spec.events), numbers: [parent.to, child.to],
    };
    this.all.set(rec.sid, rec);
    this.deps.handsets.recording(parent.to, parent.sid, true);
    this.deps.handsets.recording(child.to, child.sid, true);
    this.notify(rec, 'in-progress');
    return rec;
  }

  /** The <Dial> ended: the recording is processed, then completes, comes out absent, or fails (fault). */
  stop(rec: SimRecording, parent: CallLeg, child: CallLeg): void {
    if (rec.status !== 'in-progress') return;
    const now = parent.timeline.now();
    const elapsedMs = now - rec.startTime;
    rec.status = 'processing';
    rec.dateUpdated = now;
    this.deps.handsets.recording(parent.to, parent.sid, false);
    this.deps.handsets.recording(child.to, child.sid, false);
    const delay = this.deps.clock.realDelay(this.deps.processingMs ?? DEFAULT_PROCESSING_MS);
    void this.deps.tracker.track(new Promise<void>((resolve) => setTimeout(() => {
      this.finish(rec, elapsedMs);
      resolve();
    }, delay)));
  }

  private finish(rec: SimRecording, elapsedMs: number): void {
    rec.dateUpdated = this.deps.clock.now();
    if (this.deps.faults.webhookFaults(rec.numbers[1]).failRecordings) {
      rec.status = 'failed';
      rec.errorCode = FAILED_RECORDING_CODE;
      this.notify(rec, 'failed');
    } else if (elapsedMs < MIN_RECORDING_MS) {
      rec.status = 'absent';
      rec.errorCode = 16101;
      this.notify(rec, 'absent');
    } else {
      rec.status = 'completed';
      rec.durationS = Math.floor(elapsedMs / 1000);
      this.notify(rec, 'completed');
    }
  }

  /** DELETE: only completed recordings; the metadata stays, marked deleted, the media is gone. */
  remove(rec: SimRecording): boolean {
    if (rec.status !== 'completed') return false;
    rec.status = 'deleted';
    rec.dateUpdated = this.deps.clock.now();
    return true;
  }

  /**
   * The recording status callback. "failed" is sent whatever the subscription (it is outside the documented event
   * list; simulator assumption), the others only when subscribed.
   */
  private notify(rec: SimRecording, status: 'in-progress' | 'completed' | 'absent' | 'failed'): void {
    if (!rec.callback) return;
    if (status !== 'failed' && !rec.events.has(status)) return;
    const params: Record<string, string> = {
      AccountSid: rec.accountSid,
      CallSid: rec.callSid,
      RecordingSid: rec.sid,
      RecordingUrl: this.mediaUrl(rec),
      RecordingStatus: status,
      RecordingChannels: String(rec.channels),
      RecordingStartTime: rfc2822(new Date(rec.startTime)),
      RecordingSource: rec.source,
      RecordingTrack: rec.track,
      ErrorCode: String(rec.errorCode ?? 0),
    };
    // Documented with completed only.
    if (status === 'completed') params.RecordingDuration = String(rec.durationS ?? 0);
    this.deps.webhooks.statusCallback(rec.callback.method, rec.callback.url, params, rec.callSid, rec.numbers[1], 'recording-callback');
  }
}

/** The Recording resource: account-level (media_url, subresource_uris) or call-level (track) shape (§5.1). */
export function recordingJson(rec: SimRecording, shape: 'account' | 'call', mediaUrl: string) {
  const date = (ms: number) => rfc2822(new Date(ms));
  const base = `/2010-04-01/Accounts/${rec.accountSid}`;
  const done = rec.status === 'completed' || rec.status === 'deleted';
  const common = {
    account_sid: rec.accountSid,
    api_version: '2010-04-01',
    call_sid: rec.callSid,
    conference_sid: null,
    date_created: date(rec.dateCreated),
    date_updated: date(rec.dateUpdated),
    start_time: date(rec.startTime),
    duration: done ? String(rec.durationS ?? 0) : null,
    sid: rec.sid,
    price: done ? recordingPrice(rec.durationS ?? 0) : null,
    price_unit: 'USD',
    // A fetch while recording shows processing (§5.2).
    status: rec.status === 'in-progress' ? 'processing' : rec.status,
    channels: rec.channels,
    source: rec.source,
    error_code: rec.errorCode,
    encryption_details: null,
  };
  if (shape === 'call') return { ...common, track: rec.track, uri: `${base}/Calls/${rec.callSid}/Recordings/${rec.sid}.json` };
  return {
    ...common,
    media_url: mediaUrl,
    subresource_uris: {
      add_on_results: `${base}/Recordings/${rec.sid}/AddOnResults.json`,
      transcriptions: `${base}/Recordings/${rec.sid}/Transcriptions.json`,
    },
    uri: `${base}/Recordings/${rec.sid}.json`,
  };
}

/** $0.0025 per started minute, negative like every Twilio price (§6). */
export function recordingPrice(durationS: number): string {
  return (-0.0025 * Math.max(1, Math.ceil(durationS / 60))).toFixed(5);
}
