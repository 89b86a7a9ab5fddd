/**
 * RIFF/WAVE PCM, 16-bit little-endian: built by the Twilio simulator (a tone per channel) and read back by the
 * recordings feature to check a downloaded file's length and channels. Pure: no I/O.
 */

export interface WavInfo {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes of sample data (the "data" chunk). */
  dataBytes: number;
  durationMs: number;
}

const HEADER_BYTES = 44;

/** A WAV of `durationMs` with one sine tone per channel (channel n at frequencies[n]). */
export function toneWav(options: { durationMs: number; channels: number; sampleRate?: number; frequencies?: number[] }): Buffer {
  const sampleRate = options.sampleRate ?? 8000;
  const channels = options.channels;
  if (!Number.isInteger(channels) || channels < 1 || channels > 8) throw new RangeError('channels must be 1 to 8');
  const frames = Math.max(0, Math.round((options.durationMs * sampleRate) / 1000));
  const frequencies = options.frequencies ?? [440, 660, 550, 880];
  const dataBytes = frames * channels * 2;
  const wav = Buffer.alloc(HEADER_BYTES + dataBytes);
  writeHeader(wav, channels, sampleRate, dataBytes);
  // Quiet enough not to clip, loud enough to hear: a quarter of full scale.
  const amplitude = 8192;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const f = frequencies[c % frequencies.length]!;
      const sample = Math.round(amplitude * Math.sin((2 * Math.PI * f * i) / sampleRate));
      wav.writeInt16LE(sample, HEADER_BYTES + (i * channels + c) * 2);
    }
  }
  return wav;
}

function writeHeader(wav: Buffer, channels: number, sampleRate: number, dataBytes: number): void {
  const blockAlign = channels * 2;
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(channels, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * blockAlign, 28);
  wav.writeUInt16LE(blockAlign, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
}

/** Reads a PCM WAV's format and length by walking its chunks; null when the bytes are not one. */
export function readWavInfo(bytes: Uint8Array): WavInfo | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let pos = 12;
  let format: { channels: number; sampleRate: number; bitsPerSample: number; byteRate: number } | null = null;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('ascii', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ' && body + 16 <= buf.length) {
      format = { channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), byteRate: buf.readUInt32LE(body + 8), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format || format.byteRate === 0 || format.channels === 0) return null;
      // A truncated download has fewer bytes than the header promises: count what is really there.
      const dataBytes = Math.min(size, buf.length - body);
      return { channels: format.channels, sampleRate: format.sampleRate, bitsPerSample: format.bitsPerSample, dataBytes, durationMs: Math.round((dataBytes / format.byteRate) * 1000) };
    }
    pos = body + size + (size % 2);
  }
  return null;
}
