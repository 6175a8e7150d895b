import * as tfl from '@tensorflow/tfjs-layers';
import { mobilenetV2Stages } from '../../../src-shared/mobilenet-keys';
import { DilatedDepthwiseConv2D } from './atrous-conv';
import { batchNormalization } from './batch-norm';
import type { Sym } from './blocks';

/**
 * MobileNetV2 (Sandler et al. 2018, width 1.0) as torchvision builds it, NHWC, each layer named
 * after its torchvision module behind a prefix, so torchvision's state_dict maps one to one and
 * timm's `mobilenetv2_100` maps after renaming (mobilenet-keys.ts):
 *
 *   features.0            3x3 conv stride 2 (32), BN, ReLU6       features.0.0, features.0.1
 *   features.1            depthwise 3x3 (conv.0.0, conv.0.1), 1x1 linear to 16 (conv.1, conv.2)
 *   features.2..17        inverted residuals: 1x1 expand x6 (conv.0.0, conv.0.1), depthwise 3x3
 *                         (conv.1.0, conv.1.1), 1x1 linear (conv.2, conv.3); a skip when the
 *                         stride is 1 and the widths match
 *   features.18           1x1 conv to 1280, BN, ReLU6              features.18.0, features.18.1
 *
 * This is not engine/models/mobilenetv2.ts, SegBench's own MobileNetV2-style encoder of
 * `unet-mobilenetv2` (any width multiplier, counter names): this one exists to take pretrained
 * weights. Features are taken where segmentation_models_pytorch's MobileNetV2Encoder takes them:
 * after features[:2] (stride 2, 16 channels), [2:4] (4, 24), [4:7] (8, 32), [7:14] (16, 96) and
 * [14:] (32, 1280). Stride-2 layers pad one pixel on every side and convolve 'valid', as PyTorch's
 * padding 1 does (TensorFlow's 'same' would pad only the bottom and right).
 */

/** The features index after which SMP takes each stage (features[:2], [:4], [:7], [:14], all). */
const stageEnds = [1, 3, 6, 13, 18];

const bn = (x: Sym, name: string): Sym => batchNormalization({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as Sym;
const relu6 = (x: Sym, name: string): Sym => tfl.layers.reLU({ maxValue: 6, name }).apply(x) as Sym;
const pointwise = (x: Sym, filters: number, name: string): Sym =>
  tfl.layers.conv2d({ filters, kernelSize: 1, useBias: false, kernelInitializer: 'heNormal', name }).apply(x) as Sym;

function padded(x: Sym, stride: number, name: string): Sym {
  return stride > 1 ? (tfl.layers.zeroPadding2d({ padding: 1, name: `${name}_pad` }).apply(x) as Sym) : x;
}

function depthwise(x: Sym, stride: number, name: string, dilation = 1): Sym {
  if (dilation > 1) return new DilatedDepthwiseConv2D({ kernelSize: 3, dilation, name }).apply(x) as Sym;
  return tfl.layers
    .depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride > 1 ? 'valid' : 'same', useBias: false, depthwiseInitializer: 'heNormal', name })
    .apply(padded(x, stride, name)) as Sym;
}

/**
 * At output stride 16 the last stage (features[14:], SMP's stage 5) keeps its input's resolution:
 * stride 1, every depthwise convolution dilated by 2 (SMP's make_dilated).
 */
export function mobilenetV2TorchEncoder(input: Sym, prefix = 'encoder.', outputStride: 16 | 32 = 32): { stages: Sym[]; strides: number[]; channels: number[] } {
  const f = (index: number) => `${prefix}features.${index}`;
  let x = tfl.layers
    .conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: 'heNormal', name: `${f(0)}.0` })
    .apply(padded(input, 2, `${f(0)}.0`)) as Sym;
  x = relu6(bn(x, `${f(0)}.1`), `${f(0)}.2`);
  const stages: Sym[] = [];
  const strides: number[] = [];
  const channels: number[] = [];
  let index = 1;
  let stride = 2;
  let inChannels = 32;
  for (const [expansion, outChannels, repeats, firstStride] of mobilenetV2Stages) {
    for (let r = 0; r < repeats; r += 1) {
      const dilated = outputStride === 16 && index >= 14;
      const blockStride = r === 0 && !dilated ? firstStride : 1;
      const name = `${f(index)}.conv`;
      let y = x;
      let part = 0;
      if (expansion !== 1) {
        y = relu6(bn(pointwise(y, inChannels * expansion, `${name}.0.0`), `${name}.0.1`), `${name}.0.2`);
        part = 1;
      }
      y = relu6(bn(depthwise(y, blockStride, `${name}.${part}.0`, dilated ? 2 : 1), `${name}.${part}.1`), `${name}.${part}.2`);
      y = bn(pointwise(y, outChannels, `${name}.${part + 1}`), `${name}.${part + 2}`);
      x = blockStride === 1 && inChannels === outChannels ? (tfl.layers.add({ name: `${f(index)}.add` }).apply([x, y]) as Sym) : y;
      stride *= blockStride;
      inChannels = outChannels;
      if (stageEnds.includes(index)) {
        stages.push(x);
        strides.push(stride);
        channels.push(outChannels);
      }
      index += 1;
    }
  }
  x = relu6(bn(pointwise(x, 1280, `${f(18)}.0`), `${f(18)}.1`), `${f(18)}.2`);
  stages.push(x);
  strides.push(stride);
  channels.push(1280);
  return { stages, strides, channels };
}
