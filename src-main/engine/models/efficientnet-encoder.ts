import * as tfl from '@tensorflow/tfjs-layers';
import { efficientnetShape } from '../../../src-shared/efficientnet-keys';
import type { EfficientnetVariant } from '../../../src-shared/efficientnet-keys';
import { DilatedDepthwiseConv2D } from './atrous-conv';
import { batchNormalization } from './batch-norm';
import type { Sym } from './blocks';

/**
 * EfficientNet-B0 to B3 as torchvision builds them (timm's `efficientnet_bN` is the same network
 * with its own names, renamed on load: src-shared/efficientnet-keys.ts, which also scales the
 * widths and block counts per variant), NHWC, each layer named after its torchvision module
 * behind a prefix (B0's widths shown):
 *
 *   features.0                 3x3 conv stride 2 (32), BN, SiLU
 *   features.1..7, block B     MBConv: 1x1 expand (block.0, unless the expansion is 1), depthwise
 *                              k x k (BN, SiLU), squeeze-and-excitation (avg pool, fc1 1x1 to
 *                              max(1, in / 4) with SiLU, fc2 1x1 back with a sigmoid, times the
 *                              input), 1x1 projection with BN; a skip when stride 1 and widths match
 *
 * features.8 (the 1x1 head to 1280) is not built: segmentation_models_pytorch's encoder never uses
 * it. Features are taken as SMP's timm-efficientnet-bN takes them: the stem (stride 2, 32
 * channels in B0), then after features.2 (4, 24), .3 (8, 40), .5 (16, 112) and .7 (32, 320). Stochastic
 * depth, a training-time regulariser of torchvision's and timm's, is not applied: at inference
 * both are the identity. Stride-2 layers pad k // 2 on every side and convolve 'valid', as PyTorch.
 */

const stageEnds = new Set([2, 3, 5, 7]);

const bn = (x: Sym, name: string): Sym => batchNormalization({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as Sym;
const silu = (x: Sym, name: string): Sym => tfl.layers.activation({ activation: 'swish', name }).apply(x) as Sym;
const conv1x1 = (x: Sym, filters: number, name: string): Sym =>
  tfl.layers.conv2d({ filters, kernelSize: 1, useBias: false, kernelInitializer: 'heNormal', name }).apply(x) as Sym;

function padded(x: Sym, pad: number, name: string): Sym {
  return pad > 0 ? (tfl.layers.zeroPadding2d({ padding: pad, name: `${name}_pad` }).apply(x) as Sym) : x;
}

/** Squeeze-and-excitation over the whole map: pooled, squeezed, expanded, a gate per channel. */
function squeezeExcite(x: Sym, squeeze: number, name: string): Sym {
  const [, height, width, channels] = x.shape as [null, number, number, number];
  const pooled = tfl.layers.averagePooling2d({ poolSize: [height, width], strides: [height, width], name: `${name}.avgpool` }).apply(x) as Sym;
  const reduced = tfl.layers.conv2d({ filters: squeeze, kernelSize: 1, activation: 'swish', name: `${name}.fc1` }).apply(pooled) as Sym;
  const gate = tfl.layers.conv2d({ filters: channels, kernelSize: 1, activation: 'sigmoid', name: `${name}.fc2` }).apply(reduced) as Sym;
  return tfl.layers.multiply({ name: `${name}.scale` }).apply([x, gate]) as Sym;
}

/**
 * At output stride 16 the last two stages (features.6 and .7, SMP's stage 5) keep their input's
 * resolution: stride 1, every depthwise convolution dilated by 2 (SMP's make_dilated).
 */
export function efficientnetEncoder(
  input: Sym,
  variant: EfficientnetVariant,
  prefix = 'encoder.',
  outputStride: 16 | 32 = 32,
): { stages: Sym[]; strides: number[]; channels: number[] } {
  const shape = efficientnetShape(variant);
  const stem = `${prefix}features.0`;
  let x = tfl.layers
    .conv2d({ filters: shape.stem, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: 'heNormal', name: `${stem}.0` })
    .apply(padded(input, 1, `${stem}.0`)) as Sym;
  x = silu(bn(x, `${stem}.1`), `${stem}.2`);
  const stages = [x];
  const strides = [2];
  const channels = [shape.stem];
  let stride = 2;
  let inChannels = shape.stem;
  shape.stages.forEach(({ expansion, kernel, stride: firstStride, channels: outChannels, repeats }, s) => {
    const dilated = outputStride === 16 && s + 1 >= 6;
    for (let b = 0; b < repeats; b += 1) {
      const blockStride = b === 0 && !dilated ? firstStride : 1;
      const name = `${prefix}features.${s + 1}.${b}.block`;
      const hidden = inChannels * expansion;
      let y = x;
      let part = 0;
      if (expansion !== 1) {
        y = silu(bn(conv1x1(y, hidden, `${name}.0.0`), `${name}.0.1`), `${name}.0.2`);
        part = 1;
      }
      const pad = blockStride > 1 ? Math.floor(kernel / 2) : 0;
      y = dilated
        ? (new DilatedDepthwiseConv2D({ kernelSize: kernel, dilation: 2, name: `${name}.${part}.0` }).apply(y) as Sym)
        : (tfl.layers
            .depthwiseConv2d({
              kernelSize: kernel,
              strides: blockStride,
              padding: pad > 0 ? 'valid' : 'same',
              useBias: false,
              depthwiseInitializer: 'heNormal',
              name: `${name}.${part}.0`,
            })
            .apply(padded(y, pad, `${name}.${part}.0`)) as Sym);
      y = silu(bn(y, `${name}.${part}.1`), `${name}.${part}.2`);
      y = squeezeExcite(y, Math.max(1, Math.floor(inChannels / 4)), `${name}.${part + 1}`);
      y = bn(conv1x1(y, outChannels, `${name}.${part + 2}.0`), `${name}.${part + 2}.1`);
      x = blockStride === 1 && inChannels === outChannels ? (tfl.layers.add({ name: `${prefix}features.${s + 1}.${b}.add` }).apply([x, y]) as Sym) : y;
      stride *= blockStride;
      inChannels = outChannels;
    }
    if (stageEnds.has(s + 1)) {
      stages.push(x);
      strides.push(stride);
      channels.push(outChannels);
    }
  });
  return { stages, strides, channels };
}
