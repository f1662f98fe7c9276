// A Conv1D layer computed as one matrix multiply over im2col patches built from slices and a concat.
//
// Why: the WASM backend has no Conv2DBackpropFilter kernel, so tfjs' own Conv1D cannot train there, and its
// forward convolution runs at about 0.1-0.25 GFLOP/s here while its matMul reaches about 25. Slice, concat,
// reshape and matMul all have gradients that WASM implements (slice's is a pad), so autodiff of this layer
// trains on every backend, and the filter gradient becomes a matMul too.

import type { Tf } from './backend.js';
import type * as tfjs from '@tensorflow/tfjs';

export interface MatMulConv1DConfig {
  filters: number;
  kernelSize: number;
  strides: number;
  seed: number;
  name?: string;
  inputShape?: number[];
}

type Tensor3D = tfjs.Tensor3D;

/** Output length of a 'valid' convolution. */
export function convOutputLength(length: number, kernel: number, stride: number): number {
  return Math.floor((length - kernel) / stride) + 1;
}

/**
 * Patches [batch, outLength, kernel * channels], kernel-major then channel: patch t holds x[t*stride + j, c] at
 * j * channels + c, which is the layout of a [kernel, channels, filters] filter flattened to [kernel*channels, filters].
 */
export function im2col(tf: Tf, x: Tensor3D, kernel: number, stride: number): Tensor3D {
  const [batch, length, channels] = x.shape;
  const out = convOutputLength(length, kernel, stride);
  if (out < 1) throw new Error(`input of ${length} steps is shorter than the kernel (${kernel})`);
  if (stride === 1) {
    const slices = Array.from({ length: kernel }, (_, j) => tf.slice(x, [0, j, 0], [batch, out, channels]));
    return kernel === 1 ? slices[0] : tf.concat(slices, 2);
  }
  if (kernel % stride === 0) {
    // Frames of `stride` steps; a patch is kernel/stride consecutive frames.
    const span = kernel / stride;
    const frames = out + span - 1;
    const needed = frames * stride;
    const padded = needed > length ? tf.pad(x, [[0, 0], [0, needed - length], [0, 0]]) : tf.slice(x, [0, 0, 0], [batch, needed, channels]);
    const framed = tf.reshape(padded, [batch, frames, stride * channels]) as Tensor3D;
    const slices = Array.from({ length: span }, (_, q) => tf.slice(framed, [0, q, 0], [batch, out, stride * channels]));
    return span === 1 ? slices[0] : tf.concat(slices, 2);
  }
  // General stride: for each kernel tap, every stride-th step, taken by a reshape (no strided-slice gradient on WASM).
  const needed = (out + Math.ceil(kernel / stride)) * stride + kernel;
  const padded = tf.pad(x, [[0, 0], [0, Math.max(0, needed - length)], [0, 0]]);
  const taps = Array.from({ length: kernel }, (_, j) => {
    const span = tf.slice(padded, [0, j, 0], [batch, out * stride, channels]);
    const grouped = tf.reshape(span, [batch, out, stride, channels]);
    return tf.reshape(tf.slice(grouped, [0, 0, 0, 0], [batch, out, 1, channels]), [batch, out, channels]) as Tensor3D;
  });
  return tf.concat(taps, 2);
}

/** Defines and registers the layer class for this tfjs instance (tfjs is loaded lazily, so the class is too). */
export type MatMulConv1DClass = new (config: MatMulConv1DConfig) => tfjs.layers.Layer;

export function matMulConv1DClass(tf: Tf): MatMulConv1DClass {
  const registered = registry.get(tf);
  if (registered) return registered;

  class MatMulConv1D extends tf.layers.Layer {
    static className = 'MatMulConv1D';
    readonly filters: number;
    readonly kernelSize: number;
    readonly strides: number;
    readonly seed: number;
    private kernel?: tfjs.LayerVariable;
    private bias?: tfjs.LayerVariable;

    constructor(config: MatMulConv1DConfig) {
      super(config);
      this.filters = config.filters;
      this.kernelSize = config.kernelSize;
      this.strides = config.strides;
      this.seed = config.seed;
    }

    override build(inputShape: tfjs.Shape | tfjs.Shape[]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfjs.Shape;
      const channels = shape[shape.length - 1] as number;
      this.kernel = this.addWeight(
        'kernel',
        [this.kernelSize * channels, this.filters],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed }),
      );
      this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
      this.built = true;
    }

    override computeOutputShape(inputShape: tfjs.Shape | tfjs.Shape[]): tfjs.Shape {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfjs.Shape;
      const length = shape[1];
      return [shape[0], length === null ? null : convOutputLength(length, this.kernelSize, this.strides), this.filters];
    }

    override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
      return tf.tidy(() => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor3D;
        const patches = im2col(tf, x, this.kernelSize, this.strides);
        const [batch, out, width] = patches.shape;
        const y = tf.add(tf.matMul(tf.reshape(patches, [batch * out, width]), this.kernel!.read()), this.bias!.read());
        return tf.reshape(y, [batch, out, this.filters]);
      });
    }

    override getConfig(): tfjs.serialization.ConfigDict {
      return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, seed: this.seed };
    }
  }
  tf.serialization.registerClass(MatMulConv1D);
  registry.set(tf, MatMulConv1D);
  return MatMulConv1D;
}

const registry = new Map<Tf, MatMulConv1DClass>();
