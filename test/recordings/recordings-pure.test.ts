import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dialTwiml, webhookUrls, whisperTwiml } from '../../src/calls/call-twiml.js';
import { parseRange } from '../../src/recordings/byte-range.js';
import { parseSettingsForm, readSettings, recordingCharge, DEFAULT_RECORDING_SETTINGS } from '../../src/recordings/recording-settings.js';
import { recordingCallbackParams } from '../../src/recordings/recordings-service.js';
import { readWavInfo, toneWav } from '../../src/shared/wav.js';

describe('parseRange', () => {
  it('answers the forms the issue names', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseRange('bytes=0-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=5-4', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange(undefined, 1000)).toEqual({ kind: 'whole' });
    expect(parseRange('items=0-1', 1000)).toEqual({ kind: 'whole' });
    expect(parseRange('bytes=0-1,5-6', 1000)).toEqual({ kind: 'whole' });
  });

  it('a partial answer always lies inside the file and is never empty', () => {
    fc.assert(fc.property(fc.nat(10_000), fc.option(fc.nat(20_000), { nil: undefined }), fc.option(fc.nat(20_000), { nil: undefined }), (size, a, b) => {
      const header = `bytes=${a ?? ''}-${b ?? ''}`;
      const range = parseRange(header, size);
      if (range.kind === 'partial') {
        expect(range.start).toBeGreaterThanOrEqual(0);
        expect(range.end).toBeLessThan(size);
        expect(range.start).toBeLessThanOrEqual(range.end);
        if (a !== undefined) expect(range.start).toBe(a);
      } else {
        expect(range.kind).toBe('unsatisfiable');
      }
    }));
  });
});

describe('WAV', () => {
  it('reads back the duration, channels and format it was built with', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 1, max: 2 }), (durationMs, channels) => {
      const info = readWavInfo(toneWav({ durationMs, channels }));
      expect(info).toMatchObject({ channels, sampleRate: 8000, bitsPerSample: 16 });
      expect(Math.abs(info!.durationMs - durationMs)).toBeLessThanOrEqual(1);
    }));
  });
  it('refuses what is not a WAV and measures a truncated one by its real bytes', () => {
    expect(readWavInfo(new TextEncoder().encode('<TwilioResponse/>'))).toBeNull();
    const wav = toneWav({ durationMs: 2_000, channels: 2 });
    expect(readWavInfo(wav.subarray(0, 44 + 32_000))?.durationMs).toBe(1_000);
  });
  it('puts a different tone on each channel', () => {
    const wav = toneWav({ durationMs: 100, channels: 2 });
    const left = [...Array(80).keys()].map((i) => wav.readInt16LE(44 + i * 4));
    const right = [...Array(80).keys()].map((i) => wav.readInt16LE(44 + i * 4 + 2));
    expect(left).not.toEqual(right);
    expect(Math.max(...left)).toBeGreaterThan(4000);
  });
});

describe('recording settings and charge', () => {
  it('parses the admin form and names each bad field', () => {
    expect(parseSettingsForm({ callerNotice: ' Recorded. ', calleeNotice: 'Recorded too.', retentionDays: '30', ratePerMin: '0.0025', quotaMb: '50' })).toEqual({
      ok: true, settings: { callerNotice: 'Recorded.', calleeNotice: 'Recorded too.', retentionDays: 30, ratePerMinMicros: 2_500, quotaBytes: 50 * 1024 * 1024 },
    });
    const bad = parseSettingsForm({ callerNotice: '', calleeNotice: 'x'.repeat(301), retentionDays: '0', ratePerMin: '-1', quotaMb: 'lots' });
    expect(bad.ok ? [] : Object.keys(bad.errors).sort()).toEqual(['calleeNotice', 'callerNotice', 'quotaMb', 'ratePerMin', 'retentionDays']);
    expect(readSettings('not json')).toEqual(DEFAULT_RECORDING_SETTINGS);
  });
  it('charges every started minute, nothing for nothing', () => {
    fc.assert(fc.property(fc.nat(20_000), fc.nat(1_000_000), (seconds, rate) => {
      const charge = recordingCharge(seconds, rate);
      expect(charge.minutes).toBe(Math.ceil(seconds / 60));
      expect(charge.micros).toBe(charge.minutes * rate);
    }));
  });
});

describe('consent TwiML and the recording callback', () => {
  const urls = webhookUrls('https://cb.example', 'cl_aaaaaaaaaaaaaaaaaaaa');
  it('the user hears the notice before the Dial; the destination gets the whisper url; recording starts at answer, dual', () => {
    const xml = dialTwiml(urls, { toE164: '+442079460958', callerId: '+12015550123', talkLimitS: 600, dialTimeoutS: 30, recording: { callerNotice: 'This call will be recorded.' } });
    expect(xml.indexOf('<Say>This call will be recorded.</Say>')).toBeLessThan(xml.indexOf('<Dial'));
    expect(xml).toContain('record="record-from-answer-dual"');
    expect(xml).toContain(`recordingStatusCallback="${urls.recordingStatus}"`);
    expect(xml).toContain('recordingStatusCallbackEvent="in-progress completed absent"');
    expect(xml).toContain(`url="${urls.whisper}"`);
    expect(whisperTwiml('This call is being recorded.')).toContain('<Say>This call is being recorded.</Say>');
  });
  it('an unrecorded call has no notice and no record attribute', () => {
    const xml = dialTwiml(urls, { toE164: '+442079460958', callerId: '+12015550123', talkLimitS: 600, dialTimeoutS: 30 });
    expect(xml).not.toContain('record');
    expect(xml).not.toContain('url=');
  });
  it('reads the callback parameters, refusing malformed ones', () => {
    const sid = `RE${'a'.repeat(32)}`;
    const call = `CA${'b'.repeat(32)}`;
    expect(recordingCallbackParams({ CallSid: call, RecordingSid: sid, RecordingStatus: 'completed', RecordingDuration: '7', RecordingChannels: '2', ErrorCode: '0' }))
      .toEqual({ callSid: call, recordingSid: sid, status: 'completed', durationS: 7, channels: 2, errorCode: 0 });
    expect(recordingCallbackParams({ CallSid: call, RecordingSid: 'RE1', RecordingStatus: 'completed' })).toBeNull();
    expect(recordingCallbackParams({ CallSid: call, RecordingSid: sid, RecordingStatus: 'paused' })).toBeNull();
  });
});
