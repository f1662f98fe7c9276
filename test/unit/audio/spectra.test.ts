import { describe, expect, it } from 'vitest';
import {
  deltas,
  frameCount,
  hannWindow,
  hzToMel,
  logMelSpectrogram,
  melFilterbank,
  melToHz,
  mfccFromLogMel,
  powerSpectrogram,
} from '../../../src/audio/spectra.js';

const SR = 16000;
const FRAMES = { windowLength: 400, hop: 160, fftSize: 512 };

const tone = (hz: number, n = SR) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / SR));

const row = (data: Float32Array, r: number, width: number) => Array.from(data.subarray(r * width, (r + 1) * width));

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function expectAllClose(actual: number[], expected: number[], digits: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value, `index ${i}`).toBeCloseTo(expected[i], digits));
}

describe('frameCount', () => {
  it('gives one zero-padded frame to a signal no longer than the window', () => {
    expect(frameCount(0, 400, 160)).toBe(1);
    expect(frameCount(1, 400, 160)).toBe(1);
    expect(frameCount(399, 400, 160)).toBe(1);
    expect(frameCount(400, 400, 160)).toBe(1);
  });

  it('adds a frame only when a whole hop more of signal fits, without centring', () => {
    expect(frameCount(401, 400, 160)).toBe(1);
    expect(frameCount(559, 400, 160)).toBe(1);
    expect(frameCount(560, 400, 160)).toBe(2);
    expect(frameCount(1600, 400, 160)).toBe(8);
    expect(frameCount(16000, 400, 160)).toBe(98);
  });
});

describe('hannWindow', () => {
  it('is periodic: starts at 0, peaks at length/2 and does not return to 0 at the end', () => {
    expectAllClose(Array.from(hannWindow(4)), [0, 0.5, 1, 0.5], 7);
    const w = hannWindow(400);
    expect(w[200]).toBe(1);
    expect(w[399]).toBeCloseTo(0.5 - 0.5 * Math.cos((2 * Math.PI * 399) / 400), 7);
  });
});

describe('powerSpectrogram', () => {
  it('puts a 1000 Hz tone in bin 32 and a 3000 Hz tone in bin 96 of every frame', () => {
    for (const [hz, bin] of [
      [1000, 32],
      [3000, 96],
    ]) {
      const { frames, bins, data } = powerSpectrogram(tone(hz), FRAMES);
      expect(frames).toBe(98);
      expect(bins).toBe(257);
      for (let t = 0; t < frames; t++) expect(argmax(row(data, t, bins)), `frame ${t}`).toBe(bin);
    }
  });

  it('zero-pads a signal shorter than the window into one frame', () => {
    const short = tone(1000, 100);
    const { frames, data } = powerSpectrogram(short, FRAMES);
    expect(frames).toBe(1);
    // Only the first 100 samples carry signal, so the DC bin is (sum of the windowed samples)^2.
    const w = hannWindow(400);
    let dc = 0;
    for (let i = 0; i < 100; i++) dc += short[i] * w[i];
    expect(data[0]).toBeCloseTo(dc * dc, 5);
  });
});

describe('mel scale', () => {
  it('is the HTK formula and inverts', () => {
    expect(hzToMel(0)).toBe(0);
    expect(hzToMel(700)).toBeCloseTo(2595 * Math.log10(2), 9);
    for (const hz of [0, 60, 440, 1000, 4321.5, 8000]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 6);
  });
});

describe('melFilterbank', () => {
  const bands = 26;
  const bins = 257;
  const bank = melFilterbank(SR, 512, bands);
  const step = hzToMel(SR / 2) / (bands + 1);
  const edge = (i: number) => melToHz(i * step);
  const binHz = (k: number) => (k * SR) / 512;

  it('has one row per band over the rFFT bins', () => {
    expect(bank).toHaveLength(bands * bins);
  });

  it('makes each filter a triangle, zero outside its neighbours’ centres, peaking next to its own centre', () => {
    for (let b = 0; b < bands; b++) {
      const [left, centre, right] = [edge(b), edge(b + 1), edge(b + 2)];
      const filter = row(bank, b, bins);
      for (let k = 0; k < bins; k++) {
        const hz = binHz(k);
        if (hz <= left || hz >= right) expect(filter[k], `band ${b} bin ${k}`).toBe(0);
        else expect(filter[k], `band ${b} bin ${k}`).toBeGreaterThan(0);
        if (hz > left && hz <= centre) expect(filter[k]).toBeCloseTo((hz - left) / (centre - left), 6);
        if (hz >= centre && hz < right) expect(filter[k]).toBeCloseTo((right - hz) / (right - centre), 6);
      }
      expect(Math.max(...filter)).toBeLessThanOrEqual(1);
      const centreBin = (centre * 512) / SR;
      expect([Math.floor(centreBin), Math.ceil(centreBin)]).toContain(argmax(filter));
    }
  });

  it('reaches 1 at the centre when the bins are fine enough to land on it, and its centres increase', () => {
    const fine = melFilterbank(SR, 16384, 10, 100, 4000);
    const peaks = Array.from({ length: 10 }, (_, b) => row(fine, b, 8193));
    for (const filter of peaks) expect(Math.max(...filter)).toBeGreaterThan(0.99);
    const centres = peaks.map(argmax);
    for (let b = 1; b < centres.length; b++) expect(centres[b]).toBeGreaterThan(centres[b - 1]);
  });
});

describe('deltas', () => {
  it('gives the slope of a linear ramp inside, and repeats edge frames so the ends flatten', () => {
    // One dimension, c_t = 3t over 6 frames; width 2 → denominator 2·(1 + 4) = 10.
    const ramp = Float32Array.from({ length: 6 }, (_, t) => 3 * t);
    const d = deltas(ramp, 6, 1);
    // t = 0: c_1 − c_0 and 2(c_2 − c_0) with c_{-1} = c_{-2} = c_0 → (3 + 12) / 10.
    expectAllClose(Array.from(d), [1.5, 2.4, 3, 3, 2.4, 1.5], 6);
  });

  it('treats each dimension independently and honours the width', () => {
    const data = Float32Array.from([0, 10, 1, 10, 2, 10]);
    expectAllClose(Array.from(deltas(data, 3, 2, 1)), [0.5, 0, 1, 0, 0.5, 0], 6);
  });
});

describe('log-mel, MFCC and deltas match an independent numpy/scipy computation', () => {
  // Reference values computed once with numpy 2.4 / scipy 1.17 in float64 from the float32-cast signal, printed to 6
  // decimals; the tolerances leave room for the float32 window and outputs here:
  //
  //   import numpy as np, scipy.fft, scipy.signal
  //   sr, wl, hop, nfft, bands, ncoef = 16000, 400, 160, 512, 26, 13
  //   n = np.arange(1600)
  //   x = (np.sin(2*np.pi*440*n/sr) + 0.5*np.sin(2*np.pi*1250*n/sr) + 0.1*np.cos(0.37*n)).astype(np.float32).astype(np.float64)
  //   win = scipy.signal.get_window('hann', wl)
  //   frames = np.stack([x[t*hop:t*hop+wl] * win for t in range(1 + (len(x)-wl)//hop)])
  //   power = np.abs(np.fft.rfft(frames, nfft))**2
  //   mel = lambda f: 2595*np.log10(1 + f/700); hz = lambda m: 700*(10**(m/2595) - 1)
  //   edges = hz(np.linspace(mel(0), mel(sr/2), bands + 2)); f = np.arange(nfft//2 + 1)*sr/nfft
  //   bank = np.stack([np.maximum(0, np.minimum((f-l)/(c-l), (r-f)/(r-c))) for l, c, r in zip(edges, edges[1:], edges[2:])])
  //   logmel = np.log(power @ bank.T + 1e-6)
  //   mfcc = scipy.fft.dct(logmel, type=2, norm='ortho', axis=1)[:, :ncoef]
  //   p = np.pad(mfcc, ((2, 2), (0, 0)), mode='edge')
  //   delta = sum(k*(p[2+k:len(p)-2+k] - p[2-k:len(p)-2-k]) for k in (1, 2)) / 10
  const n = 1600;
  const signal = Float32Array.from(
    { length: n },
    (_, i) => Math.sin((2 * Math.PI * 440 * i) / SR) + 0.5 * Math.sin((2 * Math.PI * 1250 * i) / SR) + 0.1 * Math.cos(0.37 * i),
  );
  const logMel = logMelSpectrogram(signal, SR, { ...FRAMES, bands: 26 });
  const mfcc = mfccFromLogMel(logMel, 13);
  const delta = deltas(mfcc.data, mfcc.frames, mfcc.dims);

  it('power spectrum at the 440 Hz and 1250 Hz bins (14, 40) of frame 0', () => {
    const power = powerSpectrogram(signal, FRAMES);
    expect(power.data[14] / 9949.681562388048).toBeCloseTo(1, 5);
    expect(power.data[40] / 2499.352914784577).toBeCloseTo(1, 5);
  });

  it('log-mel of frames 0 and 5', () => {
    expect([logMel.frames, logMel.bands]).toEqual([8, 26]);
    expectAllClose(row(logMel.data, 0, 26), [
      -5.210894, -4.392691, -2.301857, 6.086252, 9.560108, 8.427755, -0.699376, 1.330791, 5.073033, 5.807552, 8.372098,
      5.142383, -5.875215, -9.169998, -11.168624, -12.462253, -13.230204, -13.584575, -13.72688, -13.778841, -13.799916,
      -13.808519, -13.812325, -13.813968, -13.814731, -13.815059,
    ], 3);
    expectAllClose(row(logMel.data, 5, 26), [
      -5.247496, -4.41325, -2.310506, 6.086204, 9.560112, 8.427745, -0.686608, 1.324963, 5.073535, 5.806622, 8.372142,
      5.141892, -5.903866, -9.24118, -11.35139, -12.665339, -13.36605, -13.653547, -13.753394, -13.790329, -13.804599,
      -13.810604, -13.813261, -13.814481, -13.815065, -13.815331,
    ], 3);
  });

  it('MFCCs of frames 0 and 3', () => {
    expect([mfcc.frames, mfcc.dims]).toEqual([8, 13]);
    expectAllClose(row(mfcc.data, 0, 13), [
      -27.19463, 36.007291, -6.039949, -18.360316, -5.297315, 2.178773, -4.200485, -10.266734, -6.463264, 2.018718,
      5.855561, 3.732987, 1.390667,
    ], 3);
    expectAllClose(row(mfcc.data, 3, 13), [
      -27.764444, 35.662182, -6.176774, -19.011122, -5.844079, 2.04869, -4.543976, -10.761979, -6.681005, 1.85978,
      5.551563, 3.491067, 1.25588,
    ], 3);
  });

  it('MFCC deltas of the first, a middle and the last frame', () => {
    expectAllClose(row(delta, 0, 13), [
      -0.121201, -0.078098, -0.035977, -0.13936, -0.11758, -0.033547, -0.075451, -0.104622, -0.049238, -0.036776,
      -0.063901, -0.051611, -0.030653,
    ], 4);
    expectAllClose(row(delta, 4, 13), [
      0.136865, 0.074474, 0.027297, 0.155311, 0.122472, 0.028644, 0.081774, 0.113272, 0.052915, 0.041123, 0.069942,
      0.057532, 0.035858,
    ], 4);
    expectAllClose(row(delta, 7, 13), [
      0.01533, -0.161709, -0.204945, -0.01466, -0.084927, -0.172937, -0.070854, -0.044613, -0.10361, -0.083332,
      -0.044442, -0.055516, -0.060245,
    ], 4);
  });
});

describe('option checks', () => {
  const x = tone(1000, 1600);

  it('rejects an fftSize that is not a power of two or is shorter than the window', () => {
    expect(() => powerSpectrogram(x, { ...FRAMES, fftSize: 500 })).toThrow(RangeError);
    expect(() => powerSpectrogram(x, { ...FRAMES, fftSize: 500 })).toThrow(/fftSize must be a power of two.*got 500/);
    expect(() => powerSpectrogram(x, { ...FRAMES, fftSize: 256 })).toThrow(/>= windowLength 400 \(got 256\)/);
    expect(() => melFilterbank(SR, 300, 26)).toThrow(/fftSize must be a power of two/);
  });

  it('rejects a hop below 1', () => {
    expect(() => powerSpectrogram(x, { ...FRAMES, hop: 0 })).toThrow(RangeError);
    expect(() => logMelSpectrogram(x, SR, { ...FRAMES, hop: 0, bands: 26 })).toThrow(/hop must be an integer >= 1 \(got 0\)/);
  });

  it('rejects fewer than one band and an fMax above Nyquist', () => {
    expect(() => melFilterbank(SR, 512, 0)).toThrow(/bands must be an integer >= 1 \(got 0\)/);
    expect(() => logMelSpectrogram(x, SR, { ...FRAMES, bands: 26, fMax: 9000 })).toThrow(RangeError);
    expect(() => melFilterbank(SR, 512, 26, 0, 9000)).toThrow(/fMax 9000 Hz is above the Nyquist frequency 8000 Hz/);
    expect(() => melFilterbank(SR, 512, 26, 4000, 3000)).toThrow(/fMin < fMax/);
  });

  it('rejects more cepstral coefficients than bands, and data of the wrong size', () => {
    const logMel = logMelSpectrogram(x, SR, { ...FRAMES, bands: 26 });
    expect(() => mfccFromLogMel(logMel, 27)).toThrow(/coefficients must be an integer in \[1, bands = 26\] \(got 27\)/);
    expect(() => deltas(new Float32Array(5), 2, 3)).toThrow(/expected 2 × 3 = 6 values, got 5/);
  });
});
