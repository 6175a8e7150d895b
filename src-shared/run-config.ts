import { backendChoices } from './settings';
import { classWeightModes } from './class-weights';
import { minorityCropSchema, replicationSchema } from './recipes';
import { distillSchema } from './distill';
import { inputChannelsSchema } from './bands';
import { z } from './zod';

/** Names the engine registries implement (tests check the registries match these lists). */
export const modelNames = ['unet', 'unet-mobilenetv2', 'deeplabv3plus', 'fpn'] as const;
export const lossNames = ['ce', 'focal', 'dice', 'ce-dice', 'lovasz'] as const;
export const optimizerNames = ['adam', 'adamw', 'sgd'] as const;
export const scheduleNames = ['constant', 'step', 'cosine', 'onecycle', 'plateau'] as const;

export type ModelName = (typeof modelNames)[number];
export type LossName = (typeof lossNames)[number];

/**
 * Everything that defines a training run. Every number has its valid range here, so the CLI, the
 * launch form and the API refuse the same things with the same words.
 */
/** Every default of the run configuration is written once, in these schemas. */
const optimizerSchema = z.strictObject({
  name: z.enum(optimizerNames).default('adam'),
  lr: z.number().min(1e-6).max(1).default(1e-3),
  weightDecay: z.number().min(0).max(1).default(0),
  momentum: z.number().min(0).max(0.999).default(0.9),
});

const augmentSchema = z
  .strictObject({
    flips: z.boolean().default(true),
    rot90: z.boolean().default(true),
    scaleMin: z.number().min(0.5).max(2).default(1),
    scaleMax: z.number().min(0.5).max(2).default(1),
    colorJitter: z.number().min(0).max(0.5).default(0),
  })
  .refine((a) => a.scaleMin <= a.scaleMax, { message: 'scaleMin must not exceed scaleMax' });

/** The defaults of the groups the launch form edits field by field, read from the schemas above. */
export const configDefaults = {
  optimizer: optimizerSchema.parse({}),
  augment: augmentSchema.parse({}),
};

export const runConfigSchema = z.strictObject({
  datasetId: z.string().min(1),
  name: z.string().trim().max(80).optional(),
  model: z.enum(modelNames).default('unet'),
  modelOptions: z
    .strictObject({
      depth: z.number().int().min(2).max(6).optional(),
      width: z.number().int().min(4).max(128).optional(),
      alpha: z.number().min(0.25).max(1.5).optional(),
    })
    .default({}),
  inputSize: z.number().int().min(32).max(1024).default(256),
  /**
   * A multispectral dataset's input: which bands (1-based) and index channels the model takes.
   * Null for RGB images (three channels through sharp).
   */
  inputChannels: inputChannelsSchema.nullable().default(null),
  batchSize: z.number().int().min(1).max(64).default(4),
  epochs: z.number().int().min(1).max(1000).default(20),
  /** Steps per epoch; by default one pass over the training images (or the sampler's count). */
  stepsPerEpoch: z.number().int().min(1).max(100_000).optional(),
  loss: z
    .strictObject({
      name: z.enum(lossNames).default('ce'),
      classWeights: z.enum(classWeightModes).default('none'),
      labelSmoothing: z.number().min(0).max(0.5).default(0),
      focalGamma: z.number().min(0).max(5).default(2),
    })
    .prefault({}),
  optimizer: optimizerSchema.prefault({}),
  schedule: z
    .strictObject({
      name: z.enum(scheduleNames).default('constant'),
      warmupEpochs: z.number().min(0).max(100).default(0),
      stepEvery: z.number().int().min(1).max(1000).default(10),
      gamma: z.number().min(0.01).max(1).default(0.1),
      minLr: z.number().min(0).max(1).default(0),
      patience: z.number().int().min(1).max(100).default(3),
    })
    .prefault({}),
  /** Clip gradients to this global norm; null leaves them. */
  gradClipNorm: z.number().min(0.01).max(1000).nullable().default(null),
  /** Apply the optimizer every N batches with the summed gradients. */
  accumulate: z.number().int().min(1).max(16).default(1),
  /** Stop when validation mIoU has not improved for this many epochs; null trains all epochs. */
  earlyStoppingPatience: z.number().int().min(1).max(200).nullable().default(null),
  augment: augmentSchema.prefault({}),
  sampler: z
    .strictObject({
      kind: z.enum(['uniform', 'weighted']).default('uniform'),
      /** Per-image weights by image id, for the weighted sampler (hard-sample scores and the like). */
      weights: z.record(z.string(), z.number().min(0).max(1000)).optional(),
      /** Use the hard-sample weights saved from this run's validation (Inspect page). */
      weightsFromRun: z.string().min(1).optional(),
      samplesPerEpoch: z.number().int().min(1).max(1_000_000).optional(),
    })
    .prefault({}),
  /** Minority replication: images rich in chosen classes are drawn several times per pass. */
  replicate: replicationSchema.nullable().default(null),
  /** Minority-centred crops: a share of crops centred on a pixel of chosen classes. */
  minorityCrops: minorityCropSchema.nullable().default(null),
  /** Knowledge distillation from a finished run (the teacher). */
  distill: distillSchema.nullable().default(null),
  /** Sliding-window overlap for validation on images larger than the input size. */
  validationOverlap: z.number().min(0).max(0.75).default(0.25),
  /** Validate every N epochs; the last epoch always validates, on every image. */
  validateEvery: z.number().int().min(1).max(1000).default(1),
  /**
   * Between full validations, a fixed subset of the validation images drawn from the seed: a share
   * and/or a maximum count. Null validates every image every time.
   */
  validationSubset: z
    .strictObject({ share: z.number().gt(0).max(1).default(1), max: z.number().int().min(1).max(1_000_000).nullable().default(null) })
    .nullable()
    .default(null),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** A tfjs layers model.json whose weights start the model (matched by layer name and shape). */
  pretrainedWeights: z.string().trim().min(1).optional(),
  backend: z.enum(backendChoices).default('auto'),
  /** Memory for decoded training images, in MiB. */
  cacheMiB: z.number().int().min(16).max(65536).default(1024),
});
export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

export const runStatuses = ['queued', 'running', 'finished', 'stopped', 'crashed', 'diverged', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** Input sizes must be multiples of this (the model's total downsampling). */
export function modelStride(model: ModelName, options: { depth?: number | undefined } = {}): number {
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

/** A VALIDATION message naming the nearest valid sizes, or null when `size` fits. */
export function inputSizeProblem(model: ModelName, size: number, options: { depth?: number | undefined } = {}): string | null {
  const stride = modelStride(model, options);
  if (size % stride === 0 && size >= stride) return null;
  const below = Math.max(stride, Math.floor(size / stride) * stride);
  const above = Math.ceil(size / stride) * stride;
  return `Input size ${size} does not fit ${model}: it must be a multiple of ${stride}. Nearest valid: ${below === above ? above : `${below} or ${above}`}.`;
}
