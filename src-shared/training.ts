import { externalModelSchema, predictedMasksSchema } from './external-model';
import { runConfigSchema } from './run-config';
import { z } from './zod';

export const trainItemSchema = z.object({
  imageId: z.number().int(),
  imagePath: z.string().min(1),
  maskPath: z.string().min(1),
});
export type TrainItem = z.output<typeof trainItemSchema>;

/**
 * A run configuration that main has parsed with runConfigSchema and resolved (recipes,
 * distillation, hard-sample weights: the schema's optional resolved fields). The engine parses it
 * with the same schema, so a config stored by an older SegBench (a resumed run, a job re-sent from
 * the database) gets the defaults of every field added since: a config from before
 * `validateEvery` validates every epoch, as it did, not only its last.
 */
export const resolvedConfigSchema = runConfigSchema;

/** [mask value, training label]; values not listed are ignored. */
export const labelMapSchema = z.array(z.tuple([z.number(), z.number().int()]));

/** How a prediction's label file is written: class indices, the dataset's own mask values, or class colours only. */
export const predictionEncodings = ['class-index', 'mask-values', 'palette'] as const;
export type PredictionEncoding = (typeof predictionEncodings)[number];

/** What main hands the engine for a `train` job: the run's config and its data, resolved. */
export const trainJobParamsSchema = z.object({
  runId: z.string().min(1),
  runDir: z.string(),
  config: resolvedConfigSchema,
  /** Training class names, in label order (the ignore class is not one of them). */
  classNames: z.array(z.string()),
  labelMap: labelMapSchema,
  /** Pixels per training class in the training split, for class weights. */
  classPixels: z.array(z.number()),
  train: z.array(trainItemSchema),
  val: z.array(trainItemSchema),
  /** Continue from runDir/last. */
  resume: z.boolean(),
  /** Test hook: make the loss non-finite at these global steps, to exercise the rollback. */
  nonFiniteAtSteps: z.array(z.number().int()).optional(),
});
export type TrainJobParams = z.output<typeof trainJobParamsSchema>;

/** A dry run of a launch: the train parameters plus the validation images' sizes. */
export const estimateJobParamsSchema = trainJobParamsSchema.extend({ valSizes: z.array(z.tuple([z.number().int(), z.number().int()])) });

export interface TrainResult {
  outcome: 'finished' | 'early-stopped' | 'diverged';
  epochs: number;
  bestEpoch: number | null;
  bestMiou: number | null;
  reason: string | null;
}

/** A finished run's model, for evaluation and prediction. */
export const modelRefSchema = z.object({
  runDir: z.string().min(1),
  checkpoint: z.enum(['best', 'last']),
  config: resolvedConfigSchema,
  classNames: z.array(z.string()),
  /** An imported model (an external run): ONNX Runtime runs its file; there is no checkpoint. */
  external: externalModelSchema.nullable().optional(),
  /** Imported predicted masks (an external run with no model): each image's probabilities are its mask, one-hot. */
  predictedMasks: predictedMasksSchema.nullable().optional(),
});
export type ModelRef = z.output<typeof modelRefSchema>;

/** The `eval` job kind: one run's checkpoint scored on a split's images (engine/eval/checkpoint-score-job.ts). */
export const checkpointScoreJobParamsSchema = modelRefSchema.extend({
  labelMap: labelMapSchema,
  items: z.array(trainItemSchema),
});
export type CheckpointScoreJobParams = z.output<typeof checkpointScoreJobParamsSchema>;

export const predictJobParamsSchema = modelRefSchema.extend({
  images: z.array(z.string()),
  outDir: z.string().min(1),
  /** Display colour per training class, '#rrggbb'. */
  colors: z.array(z.string()),
  /** Output file stems (default: each image's own); stored split predictions use image ids. */
  names: z.array(z.string()).optional(),
  /** Write only the index PNG (stored predictions); the colour PNG is for people. */
  indexOnly: z.boolean().optional(),
  /**
   * The label file's encoding: `class-index` writes `<name>_index.png` (0..n-1), `mask-values`
   * writes `<name>_mask.png` in the dataset's own mask values (`maskValues`: one value per class,
   * RGB-packed for palette masks), `palette` writes only the colour PNG.
   */
  encoding: z.enum(predictionEncodings).default('class-index'),
  maskValues: z.object({ values: z.array(z.number().int().min(0).max(0xffffff)), rgb: z.boolean() }).optional(),
  /** Average the probabilities of the image and its horizontal and vertical flips. */
  tta: z.boolean().optional(),
  /** Also write `<name>_confidence.png` (the winning probability in 1% levels, 0..100) and count them per class (pseudo-labels). */
  confidence: z.boolean().optional(),
  /** Ground truth per image (same order), to count confusions and confident disagreement. */
  truth: z.object({ masks: z.array(z.string()), labelMap: labelMapSchema }).optional(),
  /**
   * A user's output folder: an existing file is replaced only when it is listed in `replaceable`
   * (SegBench wrote it before); the files written are recorded in the folder's list.
   */
  protect: z.object({ replaceable: z.array(z.string()) }).optional(),
  /** Files of the input folder left out before the job (masks that pair with an image there), reported with the skipped. */
  leftOut: z.array(z.object({ image: z.string(), message: z.string() })).optional(),
});
export type PredictJobParams = z.output<typeof predictJobParamsSchema>;

/** Bins of the winning probability, for confident disagreement: bin b holds [b/20, (b+1)/20). */
export const confidenceBins = 20;

/** What a prediction against ground truth found in one image. */
export interface PredictedImageStats {
  name: string;
  /** Pixels with a (non-ignored) truth label. */
  labelled: number;
  /** classes x classes pixel counts, truth-major: confusion[t * classes + p]. */
  confusion: number[];
  /** Wrong pixels by the predicted class's probability, in `confidenceBins` bins. */
  wrongByConfidence: number[];
}

export interface PredictResult {
  /** The epoch that produced the checkpoint the job loaded (for `best`, the best epoch at the time it was read). */
  checkpointEpoch: number;
  written: number;
  skipped: { image: string; message: string }[];
  /** With `confidence`: predicted pixels per class and 1% confidence level (101 levels). */
  histogram?: number[][];
  /** With `confidence`: the file stems written, in order. */
  names?: string[];
  images?: PredictedImageStats[];
}

export interface EstimateResult {
  backend: string;
  device: string;
  /** Estimated memory of one training step (weights, optimizer state, activations). */
  stepMiB: number;
  /** False when the step cannot fit the wasm heap; `largestBatch` then says what would. */
  fits: boolean;
  largestBatch: number | null;
  /** Measured on random data after one warm-up step. */
  stepSeconds: number;
  stepsPerEpoch: number;
  trainSecondsPerEpoch: number;
  /** One full validation pass, from one timed batch of sliding windows over the validation images. */
  validationSeconds: number;
  /** The validation images that pass covers (validateEvery and the subset scale it per epoch). */
  validationImages: number;
}
