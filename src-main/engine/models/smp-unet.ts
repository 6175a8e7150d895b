import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization } from './batch-norm';
import type { Sym } from './blocks';
import type { ModelOptions } from './registry-types';
import { encoderStages, smpEncoderKeys } from './encoders';
import type { SafetensorsFile } from './safetensors';
import { loadTorchWeights } from './torch-weights';
import { isEfficientnet, isResnet } from '../../../src-shared/encoders';
import type { EncoderName } from '../../../src-shared/encoders';

/**
 * segmentation_models_pytorch's U-Net on a ResNet or MobileNetV2 encoder, layer for layer, each layer named after
 * the PyTorch module that holds its weights, so a whole SMP state_dict maps onto it one to one:
 *
 *   encoder.*                     the ResNet (resnet.ts) or MobileNetV2 (mobilenet-encoder.ts),
 *                                 features at strides 2, 4, 8, 16, 32
 *   decoder.blocks.{i}.conv1.0    3x3 conv, no bias   } after a nearest 2x upsample of the
 *   decoder.blocks.{i}.conv1.1    batch norm, ReLU    } previous block, joined to the skip
 *   decoder.blocks.{i}.conv2.0/1  the same again
 *   segmentation_head.0           3x3 conv to the classes, with bias (logits, no activation)
 *
 * Five blocks of 256, 128, 64, 32 and 16 filters (SMP's decoder_channels default). The deepest
 * feature (ResNet's layer4) is the head; the skips are the other four, and the last
 * block, at full resolution, has none. No centre block (SMP has one only for VGG encoders) and
 * no attention (SMP's default).
 */

const decoderChannels = [256, 128, 64, 32, 16] as const;

function convBnRelu(x: Sym, module: string, filters: number): Sym {
  const conv = tfl.layers
    .conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: `${module}.0` })
    .apply(x) as Sym;
  const bn = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `${module}.1` }).apply(conv) as Sym;
  return tfl.layers.reLU({ name: `${module}.2` }).apply(bn) as Sym;
}

export function buildSmpUnet(options: ModelOptions): tfl.LayersModel {
  const encoderName = options.encoder!;
  const input = tfl.input({ shape: [options.inputSize, options.inputSize, options.inputChannels], name: 'image' });
  const { stages } = encoderStages(input, encoderName);
  const skips = stages.slice(0, 4).reverse();
  let x = stages[4]!;
  decoderChannels.forEach((filters, i) => {
    const block = `decoder.blocks.${i}`;
    x = tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'nearest', name: `${block}.up` }).apply(x) as Sym;
    const skip = skips[i];
    if (skip) x = tfl.layers.concatenate({ axis: -1, name: `${block}.concat` }).apply([x, skip]) as Sym;
    x = convBnRelu(convBnRelu(x, `${block}.conv1`, filters), `${block}.conv2`, filters);
  });
  const logits = tfl.layers.conv2d({ filters: options.classes, kernelSize: 3, padding: 'same', name: 'segmentation_head.0' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: logits, name: `unet-${encoderName}` });
}

/**
 * Sets the whole U-Net from a segmentation_models_pytorch `Unet(encoder_name=...)` state_dict
 * (keys `encoder.conv1.weight`, `decoder.blocks.0.conv1.0.weight`, `segmentation_head.0.bias`,
 * ...). Every tensor must map; only the segmentation head may be absent or shaped for another
 * class count, and then trains from scratch (reported in `skipped`).
 */
export function loadSmpUnetWeights(model: tfl.LayersModel, file: SafetensorsFile, source: string, encoder: EncoderName): ReturnType<typeof loadTorchWeights> {
  const keys = smpEncoderKeys(encoder);
  return loadTorchWeights(model, file, source, {
    label: `segmentation_models_pytorch Unet on ${encoder}`,
    expected: `the state_dict of segmentation_models_pytorch's Unet(encoder_name="${isEfficientnet(encoder) ? `timm-${encoder}` : encoder}") saved as safetensors`,
    prefix: '',
    rename: keys.rename,
    ignore: keys.unused,
    inputConv: isResnet(encoder) ? 'encoder.conv1' : 'encoder.features.0.0',
    optional: (key) => key.startsWith('segmentation_head.'),
  });
}
