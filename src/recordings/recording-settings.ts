/**
 * What an administrator sets for recordings (kept in the settings table under `recordings.settings`), and their
 * parsing from the admin form. Pure.
 */
export interface RecordingSettings {
  /** Spoken to the user before the destination is dialled. */
  callerNotice: string;
  /** Whispered to the destination when it answers, before the legs are joined and the recording starts. */
  calleeNotice: string;
  /** Recordings older than this many days are deleted by the retention job. */
  retentionDays: number;
  /** Charged per started recorded minute. */
  ratePerMinMicros: number;
  /** Stored bytes a user may keep; over it, new calls are not recorded. */
  quotaBytes: number;
}

export const DEFAULT_RECORDING_SETTINGS: RecordingSettings = {
  callerNotice: 'This call will be recorded.',
  calleeNotice: 'This call is being recorded.',
  retentionDays: 90,
  ratePerMinMicros: 5_000,
  quotaBytes: 100 * 1024 * 1024,
};

export const SETTINGS_KEY = 'recordings.settings';

/** The stored JSON, with defaults for anything missing or unreadable. */
export function readSettings(json: string | undefined): RecordingSettings {
  if (!json) return { ...DEFAULT_RECORDING_SETTINGS };
  try {
    const parsed = JSON.parse(json) as Partial<RecordingSettings>;
    return { ...DEFAULT_RECORDING_SETTINGS, ...parsed };
  } catch {
    return { ...DEFAULT_RECORDING_SETTINGS };
  }
}

export type SettingsParse = { ok: true; settings: RecordingSettings } | { ok: false; errors: Record<string, string> };

const NOTICE_MAX = 300;

/** The admin form: notices (1–300 characters), days (1–3650), rate per minute (an amount), quota in MB. */
export function parseSettingsForm(body: Record<string, unknown>): SettingsParse {
  const errors: Record<string, string> = {};
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const callerNotice = text('callerNotice');
  const calleeNotice = text('calleeNotice');
  if (!callerNotice || callerNotice.length > NOTICE_MAX) errors.callerNotice = `The notice to the caller must be 1 to ${NOTICE_MAX} characters.`;
  if (!calleeNotice || calleeNotice.length > NOTICE_MAX) errors.calleeNotice = `The notice to the called party must be 1 to ${NOTICE_MAX} characters.`;
  const days = /^\d{1,4}$/.test(text('retentionDays')) ? Number(text('retentionDays')) : NaN;
  if (!(days >= 1 && days <= 3650)) errors.retentionDays = 'Keep recordings for 1 to 3650 days.';
  const rate = /^\d{1,4}(\.\d{1,6})?$/.test(text('ratePerMin')) ? Math.round(Number(text('ratePerMin')) * 1_000_000) : NaN;
  if (!(rate >= 0)) errors.ratePerMin = 'Enter the price per recorded minute, such as 0.005.';
  const quotaMb = /^\d{1,6}$/.test(text('quotaMb')) ? Number(text('quotaMb')) : NaN;
  if (!(quotaMb >= 1)) errors.quotaMb = 'Enter the storage quota in whole megabytes (at least 1).';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, settings: { callerNotice, calleeNotice, retentionDays: days, ratePerMinMicros: rate, quotaBytes: quotaMb * 1024 * 1024 } };
}

/** What a recording of `durationS` costs: every started minute at the rate; nothing for an empty one. */
export function recordingCharge(durationS: number, ratePerMinMicros: number): { minutes: number; micros: number } {
  if (durationS <= 0) return { minutes: 0, micros: 0 };
  const minutes = Math.ceil(durationS / 60);
  return { minutes, micros: minutes * ratePerMinMicros };
}
