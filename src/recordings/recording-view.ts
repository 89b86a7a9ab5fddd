import { formatMoney } from '../money/currency.js';
import type { RecordingRecord } from './recordings-repository.js';

export interface RecordingPanel {
  callId: string;
  status: 'processing' | 'stored' | 'failed' | 'deleted';
  /** Polls itself while Twilio is still processing (htmx; without JavaScript, reload the page). */
  poll: boolean;
  mediaUrl: string;
  downloadUrl: string;
  deleteUrl: string;
  duration: string;
  channels: string;
  size: string;
  /** The recording's line in the call's cost breakdown; null when nothing was charged. */
  charge: { label: string; amount: string } | null;
  errorCode: number | null;
}

export function duration(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

export function recordingPanel(rec: RecordingRecord, currency: string): RecordingPanel {
  const base = `/calls/${rec.callId}/recording`;
  const minutes = rec.durationS ? Math.ceil(rec.durationS / 60) : 0;
  return {
    callId: rec.callId,
    status: rec.status,
    poll: rec.status === 'processing',
    mediaUrl: base,
    downloadUrl: `${base}?download=1`,
    deleteUrl: `${base}/delete`,
    duration: duration(rec.durationS ?? 0),
    channels: rec.channels === 2 ? 'two channels: you on the left, the other party on the right' : 'one channel',
    size: megabytes(rec.bytes),
    charge: rec.chargedMicros > 0 ? { label: `Recording, ${minutes} min`, amount: formatMoney(rec.chargedMicros, currency) } : null,
    errorCode: rec.errorCode,
  };
}
