import { mulberry32 } from '../../../src-shared/random';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ApiError } from '../../../src-shared/errors';
import { inputSizeProblem, modelOptionsProblem, modelStride } from '../../../src-shared/run-config';
import type { ModelName } from '../../../src-shared/run-config';
import { resetNames } from './blocks';
import { buildDeeplabV3Plus, buildFpn, buildUnetMobilenet } from './decoders';
import type { ModelOptions } from './registry-types';
import { buildSmpUnet } from './smp-unet';
import { buildUnet } from './unet';

interface ModelSpec {
  description: string;
  /** Input sizes must be multiples of this. */
  stride: (options: ModelOptions) => number;
  build: (options: ModelOptions) => tfl.LayersModel;
}

/** Models by name (segmentation_models.pytorch style): createModel('unet', options). */
const modelRegistry = {
  unet: {
    description: "U-Net, depth and width set by config; on a ResNet encoder, segmentation_models_pytorch's",
    stride: (o) => modelStride('unet', o),
    build: (o) => (o.encoder ? buildSmpUnet(o) : buildUnet(o)),
  },
  'unet-mobilenetv2': { description: 'U-Net decoder on a MobileNetV2-style encoder', stride: () => modelStride('unet-mobilenetv2'), build: buildUnetMobilenet },
  deeplabv3plus: {
    description: 'DeepLabV3+ with atrous spatial pyramid pooling (output stride 16)',
    stride: (o) => modelStride('deeplabv3plus', o),
    build: buildDeeplabV3Plus,
  },
  fpn: { description: 'Feature pyramid network with a panoptic-FPN segmentation head', stride: (o) => modelStride('fpn', o), build: buildFpn },
} satisfies Record<ModelName, ModelSpec>;

export const modelNames = Object.keys(modelRegistry) as ModelName[];

function isModelName(value: string): value is ModelName {
  return Object.prototype.hasOwnProperty.call(modelRegistry, value);
}

/** Throws a VALIDATION error naming the nearest valid sizes when `size` is not a multiple of the stride. */
function checkInputSize(model: ModelName, options: ModelOptions): void {
  const problem = modelOptionsProblem(model, options) ?? inputSizeProblem(model, options.inputSize, options);
  if (problem) throw new ApiError('VALIDATION', problem);
}

export function createModel(model: string, options: ModelOptions, seed?: number): tfl.LayersModel {
  if (!isModelName(model)) {
    throw new ApiError('VALIDATION', `Unknown model "${model}". Valid models: ${modelNames.join(', ')}.`);
  }
  checkInputSize(model, options);
  resetNames();
  return seed === undefined ? modelRegistry[model].build(options) : withSeededRandom(seed, () => modelRegistry[model].build(options));
}

/**
 * Runs `build` with Math.random drawn from `seed`: tfjs initialisers without a seed of their own
 * seed their generators from Math.random, so a run's initial weights follow its config's seed and
 * the same config trains the same model again.
 */
function withSeededRandom<T>(seed: number, build: () => T): T {
  const original = Math.random;
  const random = mulberry32(seed * 7919 + 17);
  Math.random = random;
  try {
    return build();
  } finally {
    Math.random = original;
  }
}
