import * as tfl from '@tensorflow/tfjs-layers';
import { mobilenetV2Stages } from '../../../src-shared/mobilenet-keys';
import { batchNormalization } from './batch-norm';
import { name } from './blocks';
import type { Sym } from './blocks';

/**
 * MobileNetV2-style encoder (Sandler et al. 2018): a stride-2 stem, then inverted residual blocks
 * (1x1 expand, 3x3 depthwise, 1x1 linear projection, residual when the shape allows). `alpha`
 * scales the widths. With outputStride 16 the last stride-2 stage keeps its resolution and dilates
 * instead (as DeepLabV3+ does).
 */
interface EncoderFeatures {
  /** Features by output stride: 2, 4, 8, 16, 32 (32 absent when outputStride is 16). */
  byStride: Map<number, Sym>;
  last: Sym;
}

const scaled = (channels: number, alpha: number): number => Math.max(8, Math.round((channels * alpha) / 8) * 8);

function bn(x: Sym): Sym {
  return batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: name('bn') }).apply(x) as Sym;
}
function relu6(x: Sym): Sym {
  return tfl.layers.reLU({ maxValue: 6, name: name('relu6') }).apply(x) as Sym;
}
function pointwise(x: Sym, filters: number): Sym {
  return tfl.layers.conv2d({ filters, kernelSize: 1, useBias: false, kernelInitializer: 'heNormal', name: name('pw') }).apply(x) as Sym;
}

function invertedResidual(x: Sym, inChannels: number, outChannels: number, expansion: number, stride: number, dilation: number): Sym {
  let y = x;
  if (expansion !== 1) y = relu6(bn(pointwise(y, inChannels * expansion)));
  y = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, dilationRate: dilation, padding: 'same', useBias: false, name: name('dw') }).apply(y) as Sym;
  y = relu6(bn(y));
  y = bn(pointwise(y, outChannels));
  return stride === 1 && inChannels === outChannels ? (tfl.layers.add({ name: name('residual') }).apply([x, y]) as Sym) : y;
}

export function mobilenetV2Encoder(input: Sym, alpha: number, outputStride: 16 | 32 = 32): EncoderFeatures {
  const byStride = new Map<number, Sym>();
  const stem = scaled(32, alpha);
  let x = tfl.layers
    .conv2d({ filters: stem, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: name('stem') })
    .apply(input) as Sym;
  x = relu6(bn(x));
  let stride = 2;
  let dilation = 1;
  let channels = stem;
  for (const [expansion, baseChannels, repeats, stageStride] of mobilenetV2Stages) {
    const out = scaled(baseChannels, alpha);
    for (let r = 0; r < repeats; r += 1) {
      let blockStride = r === 0 ? stageStride : 1;
      if (blockStride === 2 && stride * 2 > outputStride) {
        // Past the output stride: keep the resolution and widen the receptive field instead.
        dilation *= 2;
        blockStride = 1;
      }
      if (blockStride === 2) byStride.set(stride, x);
      x = invertedResidual(x, channels, out, expansion, blockStride, r === 0 ? Math.max(1, dilation / 2) : dilation);
      stride *= blockStride;
      channels = out;
    }
  }
  byStride.set(stride, x);
  return { byStride, last: x };
}
