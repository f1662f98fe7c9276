// Makes the WASM backend train the paper's models, and fast. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter
// kernel, so a Conv1D cannot train there, and four kernels on the training path fall far below its matMul and
// forward-convolution speed (XNNPACK, 12-30 GFLOP/s on one core here) or disagree with the CPU backend:
//   - BatchMatMul / _FusedMatMul with transposeA or transposeB: 1-2 GFLOP/s (every matMul gradient uses them);
//   - Conv2DBackpropInput: about 2 GFLOP/s;
//   - Tile, which FusedBatchNorm's input gradient uses to broadcast a vector: ~130 ms per million floats;
//   - MaxPoolGrad: slower than an argMax over the windows, and it credits the last of tied maxima where the CPU
//     backend (and TensorFlow) credit the first; ties are common over a zero-padded chunk tail.
//   - Slice (and SplitV, a Slice per part) copies its whole input out of the WASM heap before copying the part:
//     splitting a tensor into 25 steps copied it 25 times.
// So, on WASM only: matMul operands are transposed by the Transpose kernel first; Conv2D's gradient is two forward
// convolutions; BatchNorm's input gradient broadcasts; MaxPool's gradient is a one-hot of each window's argMax
// times dy; Slice and SplitV copy from the heap in place (the same values, one copy). test/unit/models/wasm-training.test.ts compares every one with the CPU backend's stock gradients; on
// other backends the stock gradients run unchanged.

import type * as tfjs from '@tensorflow/tfjs';

/** The tfjs module, typed here rather than imported from backend.ts (which imports this file). */
type Tf = typeof tfjs;
type Tensor4D = tfjs.Tensor4D;
type ConvInfo = ReturnType<Tf['backend_util']['computeConv2DInfo']>;

const installed = new WeakSet<object>();

/** Install once per tfjs instance, after the WASM backend is ready. */
export function installWasmTraining(tf: Tf): void {
  if (installed.has(tf)) return;
  installed.add(tf);
  transposeMatMulOperandsFirst(tf, 'BatchMatMul');
  transposeMatMulOperandsFirst(tf, '_FusedMatMul');
  sliceInPlace(tf);
  overrideGradient(tf, 'Conv2D', (original) => (dy, saved, attrs) => {
    const a = attrs as unknown as { strides: number | [number, number]; pad: tfjs.backend_util.ExplicitPadding | 'valid' | 'same' | number; dataFormat: string; dilations: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
    const dilated = a.dilations !== undefined && (Array.isArray(a.dilations) ? a.dilations.some((d) => d !== 1) : a.dilations !== 1);
    if (tf.getBackend() !== 'wasm' || a.dataFormat !== 'NHWC' || dilated) return original(dy, saved, attrs);
    const [x, filter] = saved as [Tensor4D, Tensor4D];
    const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    return {
      x: () => convInputGradient(tf, dy as Tensor4D, filter, x.shape, info),
      filter: () => convFilterGradient(tf, dy as Tensor4D, x, info),
    };
  });
  overrideGradient(tf, 'FusedBatchNorm', (original) => (dy, saved, attrs) => {
    const grads = original(dy, saved, attrs);
    if (tf.getBackend() !== 'wasm') return grads;
    const [x, , variance, scale] = saved;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    // The stock version tiles 1/sqrt(var) to x's shape first; broadcasting gives the same product.
    const dx = (): tfjs.Tensor => tf.reshape(tf.mul(tf.mul(dy as tfjs.Tensor, tf.rsqrt(tf.add(variance, varianceEpsilon))), scale ?? 1), x.shape);
    return { ...grads, x: dx };
  });
  overrideGradient(tf, 'MaxPool', (original) => (dy, saved, attrs) => {
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: string };
    const [x] = saved as [Tensor4D];
    const [ph, pw] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
    const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
    // MaxPooling1D's case: windows of ph steps, one column, no overlap, no padding.
    const windowed = pw === 1 && sw === 1 && sh === ph && x.shape[2] === 1 && pad === 'valid' && dimRoundingMode === undefined;
    if (tf.getBackend() !== 'wasm' || !windowed) return original(dy, saved, attrs);
    return { x: () => maxPoolInputGradient(tf, dy as Tensor4D, x, ph) };
  });
}

type GradFunc = tfjs.GradConfig['gradFunc'];

function overrideGradient(tf: Tf, kernelName: string, make: (original: GradFunc) => GradFunc): void {
  const original = tf.getGradient(kernelName);
  if (!original) throw new Error(`tfjs has no gradient for ${kernelName} to override`);
  tf.registerGradient({ ...original, gradFunc: make(original.gradFunc) });
}

function transposeMatMulOperandsFirst(tf: Tf, kernelName: string): void {
  const original = tf.getKernel(kernelName, 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error(`the WASM backend has no ${original ? 'Transpose' : kernelName} kernel`);
  const kernelFunc: tfjs.KernelFunc = (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const backend = args.backend as tfjs.KernelBackend;
    const swapLastTwo = (t: tfjs.TensorInfo): tfjs.TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      return transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tfjs.TensorInfo;
    };
    const { a: a0, b: b0 } = args.inputs as { a: tfjs.TensorInfo; b: tfjs.TensorInfo };
    const a = transposeA ? swapLastTwo(a0) : a0;
    const b = transposeB ? swapLastTwo(b0) : b0;
    const out = original.kernelFunc({ ...args, inputs: { ...args.inputs, a, b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    if (transposeA) backend.disposeData(a.dataId);
    if (transposeB) backend.disposeData(b.dataId);
    return out;
  };
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}

/** The WASM backend's own heap access, which its kernels use (not in tfjs' KernelBackend type). */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tfjs.DataType): tfjs.TensorInfo;
  typedArrayFromHeap(t: tfjs.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Slice and SplitV of numeric tensors reading their input where it lies in the heap. */
function sliceInPlace(tf: Tf): void {
  const slice = tf.getKernel('Slice', 'wasm');
  const split = tf.getKernel('SplitV', 'wasm');
  if (!slice || !split) throw new Error('the WASM backend has no Slice or SplitV kernel');
  const part = (x: tfjs.TensorInfo, begin: number[], size: number[], backend: WasmHeap): tfjs.TensorInfo => {
    // The output first: allocating may grow the heap, which detaches views taken before.
    const out = backend.makeOutput(size, x.dtype);
    copyPart(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
    return out;
  };
  const sliceFunc: tfjs.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tfjs.TensorInfo };
    if (x.dtype === 'string') return slice.kernelFunc(args);
    const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
    return part(x, b, s, args.backend as unknown as WasmHeap);
  };
  const splitFunc: tfjs.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tfjs.TensorInfo };
    if (x.dtype === 'string') return split.kernelFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const at = tf.util.parseAxisParam(axis, x.shape)[0];
    const begin = x.shape.map(() => 0);
    return tf.backend_util.prepareSplitSize(x as tfjs.Tensor, numOrSizeSplits, at).map((n) => {
      const size = [...x.shape];
      size[at] = n;
      const out = part(x, [...begin], size, args.backend as unknown as WasmHeap);
      begin[at] += n;
      return out;
    });
  };
  for (const [config, kernelFunc] of [[slice, sliceFunc], [split, splitFunc]] as const) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc });
  }
}

/** Copies the block at `begin` of `size` out of a row-major array of `shape`, in runs as long as the block allows. */
function copyPart(x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, shape: number[], begin: number[], size: number[], out: { set(a: ArrayLike<number>, offset: number): void }): void {
  const rank = shape.length;
  if (size.some((n) => n === 0)) return;
  // Dims from `inner` on are read whole (except `inner` itself), so each run is contiguous in x.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--;
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const run = size[inner] * strides[inner];
  const index = begin.slice(0, inner);
  let written = 0;
  for (;;) {
    let offset = begin[inner] * strides[inner];
    for (let k = 0; k < inner; k++) offset += index[k] * strides[k];
    out.set(x.subarray(offset, offset + run), written);
    written += run;
    let k = inner - 1;
    for (; k >= 0; k--) {
      if (++index[k] < begin[k] + size[k]) break;
      index[k] = begin[k];
    }
    if (k < 0) return;
  }
}

/**
 * dL/dfilter as one forward convolution: the (padded, cropped) input with its channels as the batch and its batch
 * as the channels, convolved with dy as the filter, dilated by the stride.
 *   filter[i, j, c, f] = Σ_{n, oh, ow} xp[n, oh·sh + i, ow·sw + j, c] · dy[n, oh, ow, f]
 */
function convFilterGradient(tf: Tf, dy: Tensor4D, x: Tensor4D, info: ConvInfo): Tensor4D {
  const { padInfo, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const read = window(tf, x, -padInfo.top, (oh - 1) * sh + kh, -padInfo.left, (ow - 1) * sw + kw);
  const channelsAsBatch = tf.transpose(read, [3, 1, 2, 0]);
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
  const g = tf.conv2d(channelsAsBatch, dyAsFilter, 1, 'valid', 'NHWC', [sh, sw]);
  return tf.transpose(g, [1, 2, 0, 3]);
}

/**
 * dL/dx as one forward convolution: dy with zeros between its steps (the stride), padded by the kernel extent,
 * convolved with the filter rotated 180° and its channel axes swapped; then cropped back to x (the forward's
 * padding dropped, zeros for trailing steps the forward never read).
 */
function convInputGradient(tf: Tf, dy: Tensor4D, filter: Tensor4D, xShape: number[], info: ConvInfo): Tensor4D {
  const { padInfo, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const spread = tf.pad(insertZeros(tf, dy, sh, sw), [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]);
  const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  const full = tf.conv2d(spread, rotated, 1, 'valid');
  return window(tf, full, padInfo.top, xShape[1], padInfo.left, xShape[2]);
}

/** Rows [top, top + height) and columns [left, left + width) of t, zero outside it. */
function window(tf: Tf, t: Tensor4D, top: number, height: number, left: number, width: number): Tensor4D {
  const [n, h, w, c] = t.shape;
  const before = [Math.max(0, -top), Math.max(0, -left)];
  const after = [Math.max(0, top + height - h), Math.max(0, left + width - w)];
  const padded = before.some((p) => p > 0) || after.some((p) => p > 0) ? tf.pad(t, [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]]) : t;
  const begin = [0, top + before[0], left + before[1], 0];
  if (begin.every((b) => b === 0) && padded.shape[1] === height && padded.shape[2] === width) return padded;
  return tf.slice(padded, begin, [n, height, width, c]);
}

/** [n, h, w, c] → [n, (h-1)·sh + 1, (w-1)·sw + 1, c] with t's values every sh rows and sw columns, zeros between. */
function insertZeros(tf: Tf, t: Tensor4D, sh: number, sw: number): Tensor4D {
  let out = t;
  if (sw > 1) {
    const [n, h, w, c] = out.shape;
    const spaced = tf.pad(tf.reshape(out, [n * h, w, 1, c]), [[0, 0], [0, 0], [0, sw - 1], [0, 0]]);
    out = tf.slice(tf.reshape(spaced, [n, h, w * sw, c]) as Tensor4D, [0, 0, 0, 0], [n, h, (w - 1) * sw + 1, c]);
  }
  if (sh > 1) {
    const [n, h, w, c] = out.shape;
    const spaced = tf.pad(tf.reshape(out, [n, h, 1, w * c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0]]);
    out = tf.slice(tf.reshape(spaced, [n, h * sh, w, c]) as Tensor4D, [0, 0, 0, 0], [n, (h - 1) * sh + 1, w, c]);
  }
  return out;
}

/** dL/dx of a max pool over non-overlapping windows of `pool` steps: dy goes to the first maximum of each window. */
function maxPoolInputGradient(tf: Tf, dy: Tensor4D, x: Tensor4D, pool: number): Tensor4D {
  const [n, h, , c] = x.shape;
  const windows = Math.floor(h / pool);
  const grouped = tf.reshape(tf.slice(x, [0, 0, 0, 0], [n, windows * pool, 1, c]), [n, windows, pool, c]);
  // dy spread over each window's steps by an outer product with ones: WASM's broadcasting Mul is ~5× slower.
  const spread = tf.reshape(tf.matMul(tf.reshape(dy, [n * windows * c, 1]), tf.ones([1, pool])), [n, windows, c, pool]);
  const credited = tf.mul(tf.oneHot(tf.argMax(grouped, 2), pool), spread);
  const dx = tf.reshape(tf.transpose(credited, [0, 1, 3, 2]), [n, windows * pool, 1, c]);
  return windows * pool === h ? (dx as Tensor4D) : (tf.pad(dx, [[0, 0], [0, h - windows * pool], [0, 0], [0, 0]]) as Tensor4D);
}
