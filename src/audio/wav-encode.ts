// Float samples to a 16-bit PCM mono WAV file (used to write synthetic corpora as real files).

import wavefile from 'wavefile';

/** Encode mono samples in [-1, 1] (clipped outside) as 16-bit PCM. */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const ints = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    ints[i] = Math.round(s * 32767);
  }
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, '16', ints);
  return wav.toBuffer();
}
