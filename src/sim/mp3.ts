/**
 * A minimal valid MP3 for the simulator's `.mp3` media: MPEG-1 Layer III frames at 32 kbps (Twilio's mp3 bitrate)
 * and 32 kHz whose side information is all zero, so every frame decodes to silence. The length and channel count
 * are right; the tones are only in the WAV (encoding real audio to MP3 needs an encoder we do not ship).
 */
const SAMPLES_PER_FRAME = 1152;
const SAMPLE_RATE = 32_000;
/** 144 × bitrate / sample rate, no padding. */
const FRAME_BYTES = (144 * 32_000) / SAMPLE_RATE;

export function silentMp3(durationMs: number, channels: 1 | 2): Buffer {
  const frames = Math.max(1, Math.ceil((durationMs / 1000) * (SAMPLE_RATE / SAMPLES_PER_FRAME)));
  const mp3 = Buffer.alloc(frames * FRAME_BYTES);
  for (let i = 0; i < frames; i++) {
    const at = i * FRAME_BYTES;
    mp3[at] = 0xff;
    mp3[at + 1] = 0xfb; // sync, MPEG-1, Layer III, no CRC
    mp3[at + 2] = 0x18; // bitrate index 1 (32 kbps), sample rate index 2 (32 kHz), no padding
    mp3[at + 3] = channels === 1 ? 0xc0 : 0x00; // mono, or stereo
  }
  return mp3;
}

/** Duration of silentMp3's output, for tests and Content-Length checks. */
export function mp3DurationMs(bytes: number): number {
  return Math.round(((bytes / FRAME_BYTES) * SAMPLES_PER_FRAME * 1000) / SAMPLE_RATE);
}
