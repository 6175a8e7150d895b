import { backendChoices } from './settings';
import { classWeightModes } from './class-weights';
import { minorityCropSchema, replicationSchema } from './recipes';
import { distillSchema } from './distill';
import { inputChannelsSchema } from './bands';
import { encoderNames, modelsWithEncoders } from './encoders';
import type { EncoderName } from './encoders';
import { z } from './zod';

/*
 * Every default of the run configuration is written once, in the schemas below. Every field says
 * what it does with `.describe()`: docs/config-reference.md is rendered from these descriptions
 * (src-shared/config-reference.ts, `npm run docs:config`).
 */

// Names the engine registries implement (tests check the registries match these lists).
export const modelNames = ['unet', 'unet-mobilenetv2', 'deeplabv3plus', 'fpn'] as const;
export const lossNames = ['ce', 'focal', 'dice', 'ce-dice', 'lovasz'] as const;
export const optimizerNames = ['adam', 'adamw', 'sgd'] as const;
export const scheduleNames = ['constant', 'step', 'cosine', 'onecycle', 'plateau'] as const;

export type ModelName = (typeof modelNames)[number];
export type LossName = (typeof lossNames)[number];

/** The optimizer and its settings (`optimizer`). */
const optimizerSchema = z.strictObject({
  name: z.enum(optimizerNames).default('adam').describe('Optimizer: Adam, AdamW (decoupled weight decay) or SGD with momentum.'),
  lr: z.number().min(1e-6).max(1).default(1e-3).describe('Base learning rate; the schedule scales it.'),
  weightDecay: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe('Weight decay of the convolution and dense kernels; AdamW decouples it, Adam and SGD add it to the gradient.'),
  momentum: z.number().min(0).max(0.999).default(0.9).describe('Momentum of SGD; Adam and AdamW ignore it.'),
});

/** Random changes of the training crops (`augment`). */
const augmentSchema = z
  .strictObject({
    flips: z.boolean().default(true).describe('Random horizontal and vertical flips of each crop.'),
    rot90: z.boolean().default(true).describe('Random quarter turns of each crop.'),
    scaleMin: z.number().min(0.5).max(2).default(1).describe('Smallest random scale of a crop (2 shows a region half the size, enlarged); at most scaleMax.'),
    scaleMax: z.number().min(0.5).max(2).default(1).describe('Largest random scale of a crop; at least scaleMin.'),
    colorJitter: z
      .number()
      .min(0)
      .max(0.5)
      .default(0)
      .describe('Random brightness, contrast and saturation change of up to this factor, on RGB images only (masks are never changed).'),
  })
  .refine((a) => a.scaleMin <= a.scaleMax, { message: 'scaleMin must not exceed scaleMax' })
  .describe('Augmentation of the training crops, seeded; masks are always resampled by nearest neighbour.');

/** Between full validations, a subset of the validation images (`validationSubset`). */
const validationSubsetSchema = z.strictObject({
  share: z.number().gt(0).max(1).default(1).describe('Share of the validation images in the subset.'),
  max: z.number().int().min(1).max(1_000_000).nullable().default(null).describe('At most this many images in the subset; null sets no limit.'),
});

/**
 * The range of `inputSize`, in pixels. The schema's bounds and `inputSizeProblem` (range and
 * stride, the one rule of a valid size) both read it; the launch forms' labels and limits too.
 */
export const inputSizeRange = { min: 32, max: 1024 } as const;

/** The range half of the input-size rule; the schema refuses an out-of-range size in these words. */
function inputSizeRangeProblem(size: unknown): string | null {
  if (typeof size === 'number' && Number.isInteger(size) && size >= inputSizeRange.min && size <= inputSizeRange.max) return null;
  return `Input size ${String(size)} is out of range: it must be a whole number of pixels from ${inputSizeRange.min} to ${inputSizeRange.max}.`;
}

const inputSizeRangeError = (issue: { input?: unknown }): string | undefined => inputSizeRangeProblem(issue.input) ?? undefined;

/** A side in pixels within `inputSizeRange` (the stride, which depends on the model, is `inputSizeProblem`'s). */
export const inputSizeSchema = z
  .number()
  .int({ error: inputSizeRangeError })
  .min(inputSizeRange.min, { error: inputSizeRangeError })
  .max(inputSizeRange.max, { error: inputSizeRangeError });

/**
 * Everything that defines a training run. Every number has its valid range here, so the CLI, the
 * launch form and the API refuse the same things with the same words.
 */
export const runConfigSchema = z.strictObject({
  datasetId: z.string().min(1).describe('Id of the dataset the run trains on; `segbench train` sets it from --dataset.'),
  name: z.string().trim().max(80).optional().describe('Name of the run; left out, SegBench names it `<model> on <dataset> #<n>`.'),
  model: z
    .enum(modelNames)
    .default('unet')
    .describe('Architecture: U-Net, U-Net with a MobileNetV2 encoder, DeepLabV3+ (atrous spatial pyramid pooling) or FPN.'),
  modelOptions: z
    .strictObject({
      depth: z.number().int().min(2).max(6).optional().describe('U-Net depth (poolings); left out, 4. The input size must be a multiple of 2^depth.'),
      width: z
        .number()
        .int()
        .min(4)
        .max(128)
        .optional()
        .describe('Filters of the first level (U-Net, left out 16) or of the decoder (U-Net MobileNetV2 16, DeepLabV3+ and FPN 64).'),
      alpha: z.number().min(0.25).max(1.5).optional().describe('Width multiplier of the MobileNetV2 encoder; left out, 0.5. The plain U-Net has none.'),
      encoder: z
        .enum(encoderNames)
        .optional()
        .describe(
          "An encoder laid out as torchvision's and timm's (so their weights load): a ResNet, MobileNetV2 or EfficientNet (timm's B0 to B3) under unet, fpn or deeplabv3plus. With it the U-Net is segmentation_models_pytorch's (decoder 256, 128, 64, 32, 16; stride 32; no depth or width), FPN and DeepLabV3+ keep their decoders on its features (DeepLabV3+ dilates its last stage to output stride 16). Left out, the model's own encoder.",
        ),
    })
    .default({})
    .describe("Size of the model; each field left out takes the model's own value."),
  inputSize: inputSizeSchema
    .default(256)
    .describe(`Side of the square training crops, in pixels; a multiple of the model's stride (${fixedStrides().join(' or ')}; 2^depth for the U-Net).`),
  inputChannels: inputChannelsSchema
    .nullable()
    .default(null)
    .describe(
      "A multispectral dataset's input: which bands (1-based) and index channels the model takes; null takes every band there. Null for RGB images (three channels through sharp).",
    ),
  batchSize: z.number().int().min(1).max(64).default(4).describe('Crops per training step.'),
  inferenceBatch: z
    .number()
    .int()
    .min(1)
    .max(256)
    .optional()
    .describe(
      'Windows per forward pass when the model predicts (validation, eval, predict, label checks); more can be faster where memory allows. Left out, batchSize, as before this setting.',
    ),
  epochs: z.number().int().min(1).max(1000).default(20).describe('Training epochs.'),
  stepsPerEpoch: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe("Steps per epoch; left out, one pass over the training images (or the sampler's count)."),
  loss: z
    .strictObject({
      name: z
        .enum(lossNames)
        .default('ce')
        .describe('Loss: cross-entropy, focal, Dice, cross-entropy plus Dice, or Lovasz; the ignore class and unknown mask values count in none.'),
      classWeights: z
        .enum(classWeightModes)
        .default('none')
        .describe("Per-class weights by inverse or median frequency of the training split's pixels, in cross-entropy (also its part of ce-dice) and focal."),
      labelSmoothing: z.number().min(0).max(0.5).default(0).describe('Label smoothing of cross-entropy (also its part of ce-dice).'),
      focalGamma: z.number().min(0).max(5).default(2).describe('Focusing exponent of the focal loss.'),
    })
    .prefault({})
    .describe('The training loss.'),
  optimizer: optimizerSchema.prefault({}).describe('The optimizer.'),
  schedule: z
    .strictObject({
      name: z
        .enum(scheduleNames)
        .default('constant')
        .describe(
          'Learning-rate schedule: constant, step, cosine (to minLr), OneCycle (lr/25 up to lr over 30% of training, then cosine to minLr) or reduce-on-plateau.',
        ),
      warmupEpochs: z.number().min(0).max(100).default(0).describe('Linear warm-up from 0 over this many epochs, before any schedule but OneCycle.'),
      stepEvery: z.number().int().min(1).max(1000).default(10).describe('Step schedule: multiply the rate by gamma every this many epochs.'),
      gamma: z.number().min(0.01).max(1).default(0.1).describe('Factor of each step (step schedule) or each reduction (plateau schedule).'),
      minLr: z.number().min(0).max(1).default(0).describe('Learning rate at the end of the cosine and OneCycle schedules.'),
      patience: z.number().int().min(1).max(100).default(3).describe('Plateau schedule: epochs without a better validation mIoU before each reduction.'),
    })
    .prefault({})
    .describe('How the learning rate changes over the epochs.'),
  gradClipNorm: z.number().min(0.01).max(1000).nullable().default(null).describe('Clip gradients to this global norm; null leaves them.'),
  accumulate: z.number().int().min(1).max(16).default(1).describe('Apply the optimizer every N batches with the summed gradients.'),
  earlyStoppingPatience: z
    .number()
    .int()
    .min(1)
    .max(200)
    .nullable()
    .default(null)
    .describe('Stop when validation mIoU has not improved for this many epochs; null trains all epochs.'),
  augment: augmentSchema.prefault({}),
  sampler: z
    .strictObject({
      kind: z
        .enum(['uniform', 'weighted'])
        .default('uniform')
        .describe(
          'uniform: every training image once a pass, shuffled (a replicated one several times); weighted: draws with replacement in proportion to per-image weights.',
        ),
      weights: z
        .record(z.string(), z.number().min(0).max(1000))
        .optional()
        .describe('Per-image weights by image id, for the weighted sampler (hard-sample scores and the like); the launcher fills it from weightsFromRun.'),
      weightsFromRun: z
        .string()
        .min(1)
        .optional()
        .describe("Use the hard-sample weights saved from this run's validation (Inspect page); makes the sampler weighted."),
      samplesPerEpoch: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .optional()
        .describe('Draws per epoch; left out, the size of the pool (the training images with their repeats).'),
    })
    .prefault({})
    .describe('Which training images each epoch draws, and how often.'),
  replicate: replicationSchema
    .nullable()
    .default(null)
    .describe('Minority replication: images rich in chosen classes are drawn several times per pass; null is off.'),
  minorityCrops: minorityCropSchema
    .nullable()
    .default(null)
    .describe('Minority-centred crops: a share of crops centred on a pixel of chosen classes; null is off.'),
  distill: distillSchema.nullable().default(null).describe('Knowledge distillation from a finished run (the teacher); null is off.'),
  validationOverlap: z.number().min(0).max(0.75).default(0.25).describe('Sliding-window overlap for validation on images larger than the input size.'),
  validateEvery: z.number().int().min(1).max(1000).default(1).describe('Validate every N epochs; the last epoch always validates, on every image.'),
  validationSubset: validationSubsetSchema
    .nullable()
    .default(null)
    .describe(
      'Between full validations, a fixed subset of the validation images drawn from the seed: a share and/or a maximum count. Null validates every image every time.',
    ),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1)
    .describe(
      'Seed of the initial weights, the sampling and augmentation, and the validation subset; the same config and seed train the same model again on one backend and thread count.',
    ),
  pretrainedWeights: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe(
      "Weights that start the whole model: a tfjs layers model.json (matched by layer name and shape), or a segmentation_models_pytorch U-Net's state_dict as .safetensors for the same encoder (every key maps one to one; a head for another class count trains from scratch).",
    ),
  encoderWeights: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .default(null)
    .describe(
      "Pretrained weights of modelOptions.encoder from the weights cache: 'imagenet' (timm's default ImageNet weights of the encoder), a cached name such as resnet34.tv_in1k, or the start (8 or more hex digits) of a cached file's sha256. `segbench weights pull` or the launch form's download fills the cache. Null trains the encoder from scratch.",
    ),
  encoderWeightsFile: z
    .strictObject({
      path: z.string().min(1).describe('The safetensors file in the weights cache.'),
      name: z.string().describe('What the weights are: resnet34.a1_in1k.'),
      sha256: z.string().describe("The file's sha256."),
    })
    .optional()
    .describe('The cached weights that encoderWeights names, so the run says which file it started from; the launcher fills it.'),
  encoderFreezeEpochs: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(0)
    .describe(
      "Train only the decoder and head for this many epochs first, the encoder's weights as loaded (its batch-norm statistics still follow the data, as a frozen PyTorch encoder's do in train mode); then the encoder trains too. Needs modelOptions.encoder.",
    ),
  encoderLrFactor: z
    .number()
    .min(0.001)
    .max(10)
    .default(1)
    .describe(
      "The encoder's learning rate as a share of the schedule's (0.1 is a common choice when fine-tuning pretrained weights); the decoder and head take the schedule's. Needs modelOptions.encoder.",
    ),
  inputNormalization: z
    .enum(['auto', 'dataset', 'imagenet'])
    .default('auto')
    .describe(
      "How pixel values are scaled before the model: 'dataset' by the training images' own mean and std per channel, 'imagenet' by ImageNet's (RGB only); 'auto' is imagenet with pretrained encoder weights on RGB images, else dataset.",
    ),
  backend: z
    .enum(backendChoices)
    .default('auto')
    .describe('Training backend; auto takes the first that starts of tfjs-node-gpu (CUDA), webgpu, tfjs-node and wasm.'),
  cacheMiB: z.number().int().min(16).max(65536).default(1024).describe('Memory for decoded training images, in MiB.'),
});
export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Every default of the run config: what a config of only a dataset id becomes (the launch form's fallbacks). */
export const runConfigDefaults: Omit<RunConfig, 'datasetId'> = (({ datasetId: _, ...defaults }) => defaults)(runConfigSchema.parse({ datasetId: '-' }));

/** The defaults inside the groups that are off (null) by default, for a form that turns one on. */
export const groupDefaults = {
  replicate: replicationSchema.pick({ minShare: true, times: true }).parse({}),
  minorityCrops: minorityCropSchema.pick({ share: true }).parse({}),
  distill: distillSchema.pick({ alpha: true, temperature: true }).parse({}),
  validationSubset: validationSubsetSchema.parse({}),
};

/** Windows per forward pass of inference (validation, eval, predict, label checks): `inferenceBatch`, else the training batch. */
export function windowBatch(config: Pick<RunConfig, 'batchSize' | 'inferenceBatch'>): number {
  return config.inferenceBatch ?? config.batchSize;
}

export type RunStatus = 'queued' | 'running' | 'finished' | 'stopped' | 'crashed' | 'diverged' | 'failed';

/** What decides a model's stride: the U-Net's depth, or an encoder. */
interface StrideOptions {
  depth?: number | undefined;
  encoder?: EncoderName | undefined;
}

/** Input sizes must be multiples of this (the model's total downsampling). */
export function modelStride(model: ModelName, options: StrideOptions = {}): number {
  if (options.encoder && model !== 'unet-mobilenetv2') return model === 'deeplabv3plus' ? 16 : 32;
  switch (model) {
    case 'unet':
      return 2 ** (options.depth ?? 4);
    case 'deeplabv3plus':
      return 16;
    case 'unet-mobilenetv2':
    case 'fpn':
      return 32;
  }
}

/** The strides of the models whose stride does not depend on their options, smallest first. */
function fixedStrides(): number[] {
  return [...new Set(modelNames.filter((m) => m !== 'unet').map((m) => modelStride(m)))].sort((a, b) => a - b);
}

/** The sizes a model takes: the multiples of `step` from `min` to `max` (`inputSizeRange` rounded in to the stride). */
export function validInputSizes(model: ModelName, options: StrideOptions = {}): { min: number; max: number; step: number } {
  const step = modelStride(model, options);
  return { min: Math.ceil(inputSizeRange.min / step) * step, max: Math.floor(inputSizeRange.max / step) * step, step };
}

/**
 * The rule of a valid input size, range and stride: null when `size` fits `model`, else a
 * VALIDATION message (the range, or the stride with the nearest valid sizes). The launch form,
 * the launcher, the label check and the engine's createModel all call this one function.
 */
export function inputSizeProblem(model: ModelName, size: number, options: StrideOptions = {}): string | null {
  const range = inputSizeRangeProblem(size);
  if (range) return range;
  const { min, max, step: stride } = validInputSizes(model, options);
  if (size % stride === 0 && size >= min) return null;
  const below = Math.max(min, Math.floor(size / stride) * stride);
  const above = Math.min(max, Math.ceil(size / stride) * stride);
  return `Input size ${size} does not fit ${model}: it must be a multiple of ${stride}. Nearest valid: ${below === above ? above : `${below} or ${above}`}.`;
}

/**
 * The rule of a valid model: an encoder only under the models that take one, and the U-Net on an
 * encoder has segmentation_models_pytorch's fixed decoder (no depth or width); encoder weights
 * need an encoder. Null when the config fits, else a VALIDATION message. The launch form, the
 * launcher and the engine's createModel all call this one function.
 */
export function modelOptionsProblem(
  model: ModelName,
  options: { depth?: number | undefined; width?: number | undefined; encoder?: EncoderName | undefined },
  encoderSettings: { encoderWeights?: string | null | undefined; encoderFreezeEpochs?: number | undefined; encoderLrFactor?: number | undefined } = {},
): string | null {
  const encoderWeights = encoderSettings.encoderWeights ?? null;
  const takers = modelsWithEncoders as readonly string[];
  if (options.encoder && !takers.includes(model)) {
    return `${model} has its own encoder; modelOptions.encoder (${options.encoder}) goes with ${modelsWithEncoders.join(', ')}.`;
  }
  if (options.encoder && model === 'unet' && (options.depth !== undefined || options.width !== undefined)) {
    return `A U-Net on the ${options.encoder} encoder has segmentation_models_pytorch's decoder (5 levels, 256 to 16 filters): leave out depth and width.`;
  }
  if (encoderWeights !== null && !options.encoder) {
    return `Encoder weights (${encoderWeights}) need an encoder: set modelOptions.encoder to one of ${encoderNames.join(', ')}.`;
  }
  const freeze = encoderSettings.encoderFreezeEpochs ?? 0;
  const factor = encoderSettings.encoderLrFactor ?? 1;
  if (!options.encoder && (freeze > 0 || factor !== 1)) {
    return `encoderFreezeEpochs (${freeze}) and encoderLrFactor (${factor}) act on an encoder: set modelOptions.encoder to one of ${encoderNames.join(', ')}, or leave them at 0 and 1.`;
  }
  return null;
}
