import type * as tfl from '@tensorflow/tfjs-layers';
import type { EncoderName } from '../../../src-shared/encoders';
import { isResnet } from '../../../src-shared/encoders';
import { ApiError } from '../../../src-shared/errors';
import { timmMobilenetV2Key } from '../../../src-shared/mobilenet-keys';
import type { Sym } from './blocks';
import { mobilenetV2TorchEncoder } from './mobilenet-encoder';
import { loadResnetWeights, resnetEncoder } from './resnet';
import type { SafetensorsFile } from './safetensors';
import { loadTorchWeights } from './torch-weights';

/**
 * The encoders that take pretrained weights, by segmentation_models_pytorch's names: each gives
 * five features (strides 2 to 32, or to 16 when dilated) with layers named after the PyTorch
 * modules behind `prefix`, and loads a timm or torchvision state_dict.
 */
export function encoderStages(input: Sym, encoder: EncoderName, options: { outputStride?: 16 | 32; prefix?: string } = {}): { stages: Sym[]; strides: number[]; channels: number[] } {
  if (isResnet(encoder)) return resnetEncoder(input, encoder, options);
  if ((options.outputStride ?? 32) !== 32) throw new ApiError('VALIDATION', `${encoder} is built at output stride 32 only (tfjs cannot train a dilated depthwise convolution).`);
  return mobilenetV2TorchEncoder(input, options.prefix);
}

/** Sets the encoder's weights from a timm or torchvision state_dict of it (the classifier may be there or not). */
export function loadEncoderWeights(model: tfl.LayersModel, file: SafetensorsFile, source: string, encoder: EncoderName, prefix = 'encoder.'): ReturnType<typeof loadTorchWeights> {
  if (isResnet(encoder)) return loadResnetWeights(model, file, source, encoder, prefix);
  return loadTorchWeights(model, file, source, {
    label: `${encoder} encoder`,
    prefix,
    rename: timmMobilenetV2Key,
    ignore: (key) => key === 'classifier.1.weight' || key === 'classifier.1.bias',
    inputConv: 'features.0.0',
    expected: "mobilenet_v2's state_dict as torchvision (features.*) or timm's mobilenetv2_100 (conv_stem, blocks.*, conv_head) save it (the classifier may be absent)",
  });
}
