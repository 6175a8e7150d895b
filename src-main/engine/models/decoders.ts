import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelOptions } from './registry-types';
import { classifier, concat, convBnRelu, doubleConv, name, upsample } from './blocks';
import type { Sym } from './blocks';
import { mobilenetV2Encoder } from './mobilenetv2';
import { encoderStages } from './encoders';

/** An encoder's features by output stride (2 to 32, or to 16 when dilated), and its deepest. */
interface Features {
  byStride: Map<number, Sym>;
  last: Sym;
}

/** The encoder FPN and DeepLabV3+ decode: the one the options name, else SegBench's MobileNetV2-style one. */
function encoderFeatures(input: Sym, options: ModelOptions, outputStride: 16 | 32): Features {
  if (!options.encoder) return mobilenetV2Encoder(input, options.alpha ?? 0.5, outputStride);
  const { stages, strides } = encoderStages(input, options.encoder, { outputStride });
  // A dilated stage shares its stride with the one before: the later (deeper) feature stands for it.
  const byStride = new Map(stages.map((stage, i) => [strides[i]!, stage] as const));
  return { byStride, last: stages[stages.length - 1]! };
}

/** U-Net decoder over a MobileNetV2 encoder: upsample, concatenate the skip, two convs, per stride. */
export function buildUnetMobilenet(options: ModelOptions): tfl.LayersModel {
  const input = tfl.input({ shape: [options.inputSize, options.inputSize, options.inputChannels], name: 'image' });
  const encoder = mobilenetV2Encoder(input, options.alpha ?? 0.5);
  const width = options.width ?? 16;
  let x = encoder.last;
  for (const stride of [16, 8, 4, 2]) {
    x = doubleConv(concat(upsample(x, 2), encoder.byStride.get(stride)!), (width * stride) / 2);
  }
  x = doubleConv(upsample(x, 2), width);
  return tfl.model({ inputs: input, outputs: classifier(x, options.classes), name: 'unet-mobilenetv2' });
}

/**
 * DeepLabV3+ (Chen et al. 2018): atrous spatial pyramid pooling at output stride 16 (1x1, three
 * dilated 3x3 branches and image pooling), then a decoder that joins stride-4 features.
 */
export function buildDeeplabV3Plus(options: ModelOptions): tfl.LayersModel {
  const size = options.inputSize;
  const input = tfl.input({ shape: [size, size, options.inputChannels], name: 'image' });
  const encoder = encoderFeatures(input, options, 16);
  const width = options.width ?? 64;
  const features = encoder.last;
  const rates = options.asppRates ?? [2, 4, 6];
  const branches: Sym[] = [convBnRelu(features, width, { kernel: 1 }), ...rates.map((rate) => convBnRelu(features, width, { dilation: rate }))];
  const cells = size / 16;
  const pooled = tfl.layers.averagePooling2d({ poolSize: cells, strides: cells, name: name('image_pool') }).apply(features) as Sym;
  branches.push(upsample(convBnRelu(pooled, width, { kernel: 1 }), cells, 'nearest'));
  let aspp = tfl.layers.concatenate({ axis: -1, name: name('aspp') }).apply(branches) as Sym;
  aspp = convBnRelu(aspp, width, { kernel: 1 });
  const low = convBnRelu(encoder.byStride.get(4)!, Math.max(8, width / 4), { kernel: 1 });
  let x = concat(upsample(aspp, 4), low);
  x = convBnRelu(convBnRelu(x, width), width);
  return tfl.model({ inputs: input, outputs: upsample(classifier(x, options.classes), 4), name: 'deeplabv3plus' });
}

/**
 * FPN for segmentation (Kirillov et al. 2019, panoptic FPN head): lateral 1x1 convs, top-down
 * upsample-and-add, a 3x3 conv per level brought to stride 4, summed, then upsampled to the input.
 */
export function buildFpn(options: ModelOptions): tfl.LayersModel {
  const input = tfl.input({ shape: [options.inputSize, options.inputSize, options.inputChannels], name: 'image' });
  const encoder = encoderFeatures(input, options, 32);
  const width = options.width ?? 64;
  const lateral = (stride: number): Sym =>
    tfl.layers.conv2d({ filters: width, kernelSize: 1, name: name('lateral') }).apply(encoder.byStride.get(stride)!) as Sym;
  let top = lateral(32);
  const pyramid = new Map<number, Sym>([[32, top]]);
  for (const stride of [16, 8, 4]) {
    top = tfl.layers.add({ name: name('topdown') }).apply([upsample(top, 2, 'nearest'), lateral(stride)]) as Sym;
    pyramid.set(stride, top);
  }
  const heads = [...pyramid].map(([stride, level]) => {
    const head = convBnRelu(level, width / 2);
    return stride === 4 ? head : upsample(head, stride / 4);
  });
  let x = tfl.layers.add({ name: name('merge') }).apply(heads) as Sym;
  x = convBnRelu(x, width / 2);
  return tfl.model({ inputs: input, outputs: upsample(classifier(x, options.classes), 4), name: 'fpn' });
}
