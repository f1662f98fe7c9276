// Training cost of a model per example, counted analytically from its layers, so a benchmark can turn examples/s
// into GFLOP/s. A multiply-add counts 2. Only the matrix products count (Conv1D, Dense, LSTM): BatchNorm, ELU,
// pooling and the LSTM's gate arithmetic are memory-bound and a small share of the arithmetic.
//   Conv1D: 2·K·Cin·Cout·Lout forward; Dense: 2·in·units per step; LSTM: 2·4u·(in + u) per step.
//   Backward: the weight gradient costs one forward again, the input gradient another, except in the first weighted
//   layer, whose input (the data) needs no gradient. The LSTM's recurrent input gradient is always needed.

import type * as tfjs from '@tensorflow/tfjs';

export interface LayerFlops {
  name: string;
  className: string;
  forward: number;
  backward: number;
}

export interface ModelFlops {
  /** Per example. */
  forward: number;
  backward: number;
  layers: LayerFlops[];
}

export function modelFlops(model: tfjs.LayersModel): ModelFlops {
  const layers: LayerFlops[] = [];
  let inputNeedsGradient = false;
  for (const layer of model.layers) {
    const input = (layer.input as tfjs.SymbolicTensor).shape;
    const output = (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as (number | null)[];
    const cost = layerCost(layer, input, output);
    if (!cost) continue;
    const backward = cost.weights + cost.recurrent + (inputNeedsGradient ? cost.input : 0);
    layers.push({ name: layer.name, className: layer.getClassName(), forward: cost.forward, backward });
    inputNeedsGradient = true;
  }
  return { forward: sum(layers.map((l) => l.forward)), backward: sum(layers.map((l) => l.backward)), layers };
}

/** Forward FLOPs and the backward products it implies: weight gradient, input gradient, recurrent gradient. */
function layerCost(
  layer: tfjs.layers.Layer,
  input: (number | null)[],
  output: (number | null)[],
): { forward: number; weights: number; input: number; recurrent: number } | undefined {
  const config = layer.getConfig() as { filters?: number; kernelSize?: number | number[]; units?: number };
  const dim = (shape: (number | null)[], i: number): number => shape.at(i) ?? 1;
  switch (layer.getClassName()) {
    case 'Conv1D': {
      const kernel = Array.isArray(config.kernelSize) ? config.kernelSize[0] : (config.kernelSize ?? 1);
      const forward = 2 * kernel * dim(input, -1) * dim(output, -1) * dim(output, 1);
      return { forward, weights: forward, input: forward, recurrent: 0 };
    }
    case 'Dense': {
      const steps = input.slice(1, -1).reduce<number>((n, d) => n * (d ?? 1), 1);
      const forward = 2 * dim(input, -1) * dim(output, -1) * steps;
      return { forward, weights: forward, input: forward, recurrent: 0 };
    }
    case 'LSTM': {
      const units = config.units ?? dim(output, -1);
      const steps = dim(input, 1);
      const fromInput = 2 * 4 * units * dim(input, -1) * steps;
      const fromState = 2 * 4 * units * units * steps;
      return { forward: fromInput + fromState, weights: fromInput + fromState, input: fromInput, recurrent: fromState };
    }
    default:
      return undefined;
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
