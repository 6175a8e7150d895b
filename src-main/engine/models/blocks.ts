import * as tfl from '@tensorflow/tfjs-layers';
import { AtrousConv2D } from './atrous-conv';
import { batchNormalization } from './batch-norm';

/** Shared building blocks; every tensor here is NHWC: [batch, height, width, channels]. */
export type Sym = tfl.SymbolicTensor;

let counter = 0;
/** Unique, readable layer names, so saved weights map back by name. */
export const name = (prefix: string): string => `${prefix}_${++counter}`;
export function resetNames(): void {
  counter = 0;
}

export function convBnRelu(x: Sym, filters: number, options: { kernel?: number; strides?: number; dilation?: number } = {}): Sym {
  const dilation = options.dilation ?? 1;
  const conv =
    dilation > 1
      ? (new AtrousConv2D({ filters, kernelSize: options.kernel ?? 3, dilation, name: name('atrous') }).apply(x) as Sym)
      : (tfl.layers
          .conv2d({
            filters,
            kernelSize: options.kernel ?? 3,
            strides: options.strides ?? 1,
            dilationRate: options.dilation ?? 1,
            padding: 'same',
            useBias: false,
            kernelInitializer: 'heNormal',
            name: name('conv'),
          })
          .apply(x) as Sym);
  const bn = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: name('bn') }).apply(conv) as Sym;
  return tfl.layers.reLU({ name: name('relu') }).apply(bn) as Sym;
}

export function doubleConv(x: Sym, filters: number): Sym {
  return convBnRelu(convBnRelu(x, filters), filters);
}

/** 1x1 convolution to class logits (no activation: losses take logits). */
export function classifier(x: Sym, classes: number): Sym {
  return tfl.layers.conv2d({ filters: classes, kernelSize: 1, padding: 'same', name: 'logits' }).apply(x) as Sym;
}

export function upsample(x: Sym, factor: number, interpolation: 'bilinear' | 'nearest' = 'bilinear'): Sym {
  return tfl.layers.upSampling2d({ size: [factor, factor], interpolation, name: name('up') }).apply(x) as Sym;
}

export function concat(a: Sym, b: Sym): Sym {
  return tfl.layers.concatenate({ axis: -1, name: name('concat') }).apply([a, b]) as Sym;
}
