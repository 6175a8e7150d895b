import type { RunConfig } from './run-config';

export interface TrainItem {
  imageId: number;
  imagePath: string;
  maskPath: string;
}

/** What main hands the engine for a `train` job: the run's config and its data, resolved. */
export interface TrainJobParams {
  runId: string;
  runDir: string;
  config: RunConfig;
  /** Training class names, in label order (the ignore class is not one of them). */
  classNames: string[];
  /** [mask value, training label]; values not listed are ignored. */
  labelMap: [number, number][];
  /** Pixels per training class in the training split, for class weights. */
  classPixels: number[];
  train: TrainItem[];
  val: TrainItem[];
  /** Continue from runDir/last. */
  resume: boolean;
  /** Test hook: make the loss non-finite at these global steps, to exercise the rollback. */
  nonFiniteAtSteps?: number[];
}

export interface TrainResult {
  outcome: 'finished' | 'early-stopped' | 'diverged';
  epochs: number;
  bestEpoch: number | null;
  bestMiou: number | null;
  reason: string | null;
}

/** A finished run's model, for evaluation and prediction. */
export interface ModelRef {
  runDir: string;
  checkpoint: 'best' | 'last';
  config: RunConfig;
  classNames: string[];
}

export interface EvalJobParams extends ModelRef {
  labelMap: [number, number][];
  items: TrainItem[];
}

export interface PredictJobParams extends ModelRef {
  images: string[];
  outDir: string;
  /** Display colour per training class, '#rrggbb'. */
  colors: string[];
  /** Output file stems (default: each image's own); stored split predictions use image ids. */
  names?: string[];
  /** Write only the index PNG (stored predictions); the colour PNG is for people. */
  indexOnly?: boolean;
  /** Average the probabilities of the image and its horizontal and vertical flips. */
  tta?: boolean;
  /** Also write `<name>_confidence.png` (the winning probability in 1% levels, 0..100) and count them per class (pseudo-labels). */
  confidence?: boolean;
  /** Ground truth per image (same order), to count confusions and confident disagreement. */
  truth?: { masks: string[]; labelMap: [number, number][] };
}

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
  /** From one timed batch of sliding windows over the validation images. */
  validationSeconds: number;
}
