import type * as tfl from '@tensorflow/tfjs-layers';
import type { EncoderName } from '../../../src-shared/encoders';
import { isResnet } from '../../../src-shared/encoders';
import { timmEfficientnetKey } from '../../../src-shared/efficientnet-keys';
import { timmMobilenetV2Key } from '../../../src-shared/mobilenet-keys';
import type { Sym } from './blocks';
import { efficientnetEncoder } from './efficientnet-encoder';
import { mobilenetV2TorchEncoder } from './mobilenet-encoder';
import { loadResnetWeights, resnetEncoder } from './resnet';
import type { SafetensorsFile } from './safetensors';
import { loadTorchWeights } from './torch-weights';

/**
 * The encoders that take pretrained weights, by segmentation_models_pytorch's names: each gives
 * five features (strides 2 to 32, or to 16 when dilated) with layers named after the PyTorch
 * modules behind `prefix`, and loads a timm or torchvision state_dict.
 */
export function encoderStages(
  input: Sym,
  encoder: EncoderName,
  options: { outputStride?: 16 | 32; prefix?: string } = {},
): { stages: Sym[]; strides: number[]; channels: number[] } {
  if (isResnet(encoder)) return resnetEncoder(input, encoder, options);
  const outputStride = options.outputStride ?? 32;
  return encoder === 'mobilenet_v2'
    ? mobilenetV2TorchEncoder(input, options.prefix, outputStride)
    : efficientnetEncoder(input, encoder, options.prefix, outputStride);
}

/** How a file of an encoder that is not a ResNet maps: another layout's names, what it holds that the encoder does not take. */
function depthwiseFile(encoder: Exclude<EncoderName, 'resnet18' | 'resnet34' | 'resnet50'>): {
  rename: (key: string) => string | null;
  unused: (key: string) => boolean;
  expected: string;
} {
  if (encoder === 'mobilenet_v2') {
    return {
      rename: timmMobilenetV2Key,
      unused: (key) => key.startsWith('classifier.1.'),
      expected:
        "mobilenet_v2's state_dict as torchvision (features.*) or timm's mobilenetv2_100 (conv_stem, blocks.*, conv_head) save it (the classifier may be absent)",
    };
  }
  const timmName = encoder.replace('-', '_');
  return {
    rename: (key) => timmEfficientnetKey(encoder, key),
    // The 1x1 head (features.8) and the classifier: in the file, never used by the encoder.
    unused: (key) => key.startsWith('features.8.') || key.startsWith('classifier.1.'),
    expected: `${timmName}'s state_dict as timm (conv_stem, blocks.S.B.*, conv_head) or torchvision (features.*) save it (the head and classifier may be absent)`,
  };
}

/** Sets the encoder's weights from a timm or torchvision state_dict of it (the classifier may be there or not). */
export function loadEncoderWeights(
  model: tfl.LayersModel,
  file: SafetensorsFile,
  source: string,
  encoder: EncoderName,
  prefix = 'encoder.',
): ReturnType<typeof loadTorchWeights> {
  if (isResnet(encoder)) return loadResnetWeights(model, file, source, encoder, prefix);
  const { rename, unused, expected } = depthwiseFile(encoder);
  return loadTorchWeights(model, file, source, { label: `${encoder} encoder`, prefix, rename, ignore: unused, inputConv: 'features.0.0', expected });
}

/**
 * An SMP model's `encoder.*` keys in the layout the layers are named after (SMP's timm encoders
 * keep timm's names), and whether a key is one the encoder holds but never uses (EfficientNet's head).
 */
export function smpEncoderKeys(encoder: EncoderName): { rename: (key: string) => string | null; unused: (key: string) => boolean } {
  if (isResnet(encoder)) return { rename: (key) => key, unused: () => false };
  const { rename, unused } = depthwiseFile(encoder);
  const inner = (key: string): string | null => (key.startsWith('encoder.') ? key.slice('encoder.'.length) : null);
  return {
    rename: (key) => {
      const own = inner(key);
      return own === null ? key : `encoder.${rename(own) ?? own}`;
    },
    unused: (key) => {
      const own = inner(key);
      return own !== null && unused(own) && !own.startsWith('classifier');
    },
  };
}
