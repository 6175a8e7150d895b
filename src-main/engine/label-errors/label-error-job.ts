import { existsSync } from 'node:fs';
import { windowBatch } from '../../../src-shared/run-config';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { ApiError } from '../../../src-shared/errors';
import {
  addHistograms,
  addStrengthCounts,
  classThresholds,
  emptyStrengthCounts,
  judgeStrength,
  softminOfLevels,
  labelErrorLevels,
} from '../../../src-shared/label-errors';
import type { LabelErrorImageResult, StrengthCounts } from '../../../src-shared/label-errors';
import type { TrainJobParams, TrainResult } from '../../../src-shared/training';
import { decodeLabels, decodeSample } from '../data/decode';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import { loadRunModel } from '../model-io/load-model';
import { predictImage } from '../eval/sliding-window';
import { cpuInference } from '../onnx/ort-predictor';
import { externalPredictor } from '../onnx/external-model';
import { runTrainJob } from '../train/train-job';
import { stepsPerEpochOf } from '../train/setup';
import { flagFile, givenFile, pixelScores, predictionFile, readFoldScores, readGrey, suspectPixels, writeFoldScores, writeGrey } from './pixel-scores';
import type { FoldImageScore } from './pixel-scores';

type TrainFold = (params: TrainJobParams, context: JobContext) => Promise<TrainResult>;

/**
 * The `label-errors` job: out-of-sample predictions for every labelled image. Fold k's model trains
 * on the other folds (a real train job in `fold-<k>/`, no validation) and predicts only fold k's
 * images; a finished fold leaves `fold-<k>/scores.json`, so a stopped job resumes with the folds it
 * has not finished (and a fold stopped mid-training resumes from its `last` checkpoint). With
 * `reuse`, one finished run's checkpoint scores its own validation images instead. Once every fold
 * is scored, the class thresholds come from all images together, and each image gets its flag map.
 */
export async function runLabelErrorJob(
  params: JobParams<'label-errors'>,
  context: JobContext,
  trainFold: TrainFold = runTrainJob,
): Promise<JobResult<'label-errors'>> {
  await mkdir(params.outDir, { recursive: true });
  const classes = params.classNames.length;
  const folds = params.reuse ? [0] : Array.from({ length: params.folds }, (_, k) => k);
  const config = { ...params.config, earlyStoppingPatience: null, distill: null };
  const labelMap = new Map(params.labelMap);
  const trainedOn: { fold: number; imageIds: number[] }[] = [];
  const skipped: { imageId: number; message: string }[] = [];
  const pending = folds.filter((fold) => !existsSync(join(params.outDir, `fold-${fold}`, 'scores.json')));
  const stepsPerFold = params.reuse
    ? 0
    : stepsPerEpochOf(
        config,
        params.items.filter((i) => i.fold !== 0).map((i) => i.imageId),
      ) * config.epochs;
  const clock = new FoldClock(context, pending.length * stepsPerFold, params.items.filter((i) => pending.includes(i.fold)).length, folds.length);
  if (pending.length < folds.length) context.log('info', `Kept ${folds.length - pending.length} finished fold(s); training the other ${pending.length}.`);

  for (const fold of folds) {
    const scored = params.items.filter((item) => item.fold === fold);
    const training = params.reuse ? [] : params.items.filter((item) => item.fold !== fold);
    if (!params.reuse) trainedOn.push({ fold, imageIds: training.map((item) => item.imageId) });
    const foldDir = join(params.outDir, `fold-${fold}`);
    const doneFile = join(foldDir, 'scores.json');
    if (!pending.includes(fold)) continue;
    throwIfCancelled(context.signal);
    await mkdir(foldDir, { recursive: true });
    if (!params.reuse) {
      const result = await trainFold(
        {
          runId: `label-errors-${params.checkId}-fold-${fold}`,
          runDir: foldDir,
          config,
          classNames: params.classNames,
          labelMap: params.labelMap,
          classPixels: params.classPixels,
          train: training,
          val: [],
          resume: existsSync(join(foldDir, 'last', 'checkpoint.json')),
        },
        clock.trainingContext(fold),
      );
      if (result.outcome === 'diverged')
        throw new ApiError(
          'ENGINE',
          `Fold ${fold + 1}'s model diverged (${result.reason ?? 'non-finite loss'}); lower the learning rate and start the check again.`,
        );
    }
    const external = params.reuse?.external ?? null;
    const loaded = external
      ? null
      : await loadRunModel({ runDir: params.reuse?.runDir ?? foldDir, checkpoint: params.reuse?.checkpoint ?? 'last', config, classNames: params.classNames });
    const model = loaded?.model ?? null;
    const normalization = external?.normalization ?? loaded!.state.normalization;
    const scores: FoldImageScore[] = [];
    // On the CPU the fold model scores on ONNX Runtime (several times tfjs wasm's speed); an imported model runs only there.
    const ort = external ? await externalPredictor(external, undefined, (m) => context.log('info', m)) : await cpuInference(model!, context);
    clock.beginScoring();
    try {
      for (const item of scored) {
        throwIfCancelled(context.signal);
        try {
          // The same decoding as training: sizes checked, nodata pixels unlabelled.
          const image = await decodeSample(item.imagePath, item.maskPath, labelMap, config.inputChannels);
          const probs = await predictImage(
            ort?.predictor ?? model!,
            image.image,
            image.width,
            image.height,
            config.inputSize,
            config.validationOverlap,
            normalization,
            windowBatch(config),
          );
          const pixel = pixelScores(probs, image.labels, classes);
          await writeGrey(predictionFile(params.outDir, item.imageId), pixel.predicted, image.width, image.height);
          await writeGrey(givenFile(params.outDir, item.imageId), pixel.levels, image.width, image.height);
          scores.push({
            imageId: item.imageId,
            fold,
            labelled: pixel.labelled,
            histogram: pixel.histogram,
            disagreement: pixel.disagreement,
            counts: pixel.counts,
          });
        } catch (error) {
          if (error instanceof ApiError) throw error;
          skipped.push({ imageId: item.imageId, message: (error as Error).message });
        }
        clock.scored(fold);
      }
    } finally {
      await ort?.release();
      model?.dispose();
    }
    await writeFoldScores(doneFile, scores);
    const judged = judgeStrength([foldFigures(fold, scores, classes)], classes);
    context.log(
      'info',
      `Fold ${fold + 1}: out-of-fold mIoU ${judged.miou?.toFixed(3) ?? '-'} on ${scores.length} image(s) it never trained on; mean self-confidence ${judged.classes.map((c, i) => `${params.classNames[i]} ${c.confidence?.toFixed(2) ?? '-'}`).join(', ')}.`,
    );
  }

  // Every fold is scored: thresholds over all images, then each image's suspect regions.
  const all: FoldImageScore[] = [];
  for (const fold of folds) {
    for (const score of await readFoldScores(join(params.outDir, `fold-${fold}`, 'scores.json'))) all.push(score);
  }
  const total = Array.from({ length: classes }, () => new Array<number>(labelErrorLevels + 1).fill(0));
  for (const image of all) addHistograms(total, image.histogram);
  const thresholds = classThresholds(total);
  // The strength gate: each fold's model on the images it scored (folds scored before the gate have no counts and are left out).
  const strength = judgeStrength(
    folds
      .map((fold) =>
        foldFigures(
          fold,
          all.filter((image) => image.fold === fold && image.counts),
          classes,
        ),
      )
      .filter((f) => f.images > 0),
    classes,
  );
  const byId = new Map(params.items.map((item) => [item.imageId, item]));
  const images: LabelErrorImageResult[] = [];
  for (const [i, image] of all.entries()) {
    throwIfCancelled(context.signal);
    const item = byId.get(image.imageId)!;
    const [levels, predicted, truth] = await Promise.all([
      readGrey(givenFile(params.outDir, image.imageId)),
      readGrey(predictionFile(params.outDir, image.imageId)),
      decodeLabels(item.maskPath, labelMap),
    ]);
    const suspect = suspectPixels(levels.data, predicted.data, truth.labels, levels.width, levels.height, thresholds);
    const flag = suspect.flag.map((v) => (v ? 255 : 0));
    await writeGrey(flagFile(params.outDir, image.imageId), flag, levels.width, levels.height);
    const combined = new Array<number>(labelErrorLevels + 1).fill(0);
    for (const h of image.histogram) h.forEach((n, l) => (combined[l]! += n));
    images.push({
      imageId: image.imageId,
      fold: image.fold,
      labelled: image.labelled,
      softmin: softminOfLevels(combined),
      below: suspect.below,
      disagreement: image.disagreement,
      flagged: suspect.flagged,
      pairs: suspect.pairs,
    });
    context.progress(i + 1, all.length, `outlining suspect regions ${i + 1}/${all.length}`, null);
  }
  return { thresholds, strength, images, trainedOn, skipped };
}

/** One fold's strength counts and given-label histograms, summed over the images it scored. */
function foldFigures(
  fold: number,
  scores: readonly FoldImageScore[],
  classes: number,
): { fold: number; images: number; counts: StrengthCounts; histograms: number[][] } {
  const counts = emptyStrengthCounts(classes);
  const histograms = Array.from({ length: classes }, () => new Array<number>(labelErrorLevels + 1).fill(0));
  for (const score of scores) {
    addHistograms(histograms, score.histogram);
    if (score.counts) addStrengthCounts(counts, score.counts);
  }
  return { fold, images: scores.length, counts, histograms };
}

/**
 * One bar over the whole job: training steps of the folds still to train, then the images they
 * score, with a time left from the measured pace of each (an image's cost is guessed from a step
 * until one has been scored).
 */
class FoldClock {
  private stepsDone = 0;
  private foldSteps = 0;
  private imagesDone = 0;
  private trainingMs = 0;
  private scoringMs = 0;
  private mark = performance.now();

  constructor(
    private readonly context: JobContext,
    private readonly totalSteps: number,
    private readonly totalImages: number,
    private readonly folds: number,
  ) {}

  /** The context a fold's train job reports through: its steps move this bar; its run events become log lines. */
  trainingContext(fold: number): JobContext {
    const base = this.stepsDone;
    this.mark = performance.now();
    return {
      signal: this.context.signal,
      log: (level, message) => this.context.log(level, message),
      emit: (data) => {
        if (data.kind === 'run-event' && data.level === 'warn') this.context.log('warn', `fold ${fold + 1}: ${data.message}`);
      },
      progress: (done, total) => {
        const now = performance.now();
        this.trainingMs += now - this.mark;
        this.mark = now;
        this.foldSteps = Math.min(done, total);
        this.stepsDone = base + this.foldSteps;
        this.report(`fold ${fold + 1}/${this.folds}: training step ${this.foldSteps}/${total}`);
      },
    };
  }

  /** Loading the fold's model is neither a step nor an image. */
  beginScoring(): void {
    this.mark = performance.now();
  }

  scored(fold: number): void {
    const now = performance.now();
    this.scoringMs += now - this.mark;
    this.mark = now;
    this.imagesDone += 1;
    this.report(`fold ${fold + 1}/${this.folds}: scoring images the model never saw (${this.imagesDone}/${this.totalImages})`);
  }

  private report(message: string): void {
    const stepMs = this.stepsDone > 0 ? this.trainingMs / this.stepsDone : null;
    const imageMs = this.imagesDone > 0 ? this.scoringMs / this.imagesDone : stepMs;
    const left = (this.totalSteps - this.stepsDone) * (stepMs ?? 0) + (this.totalImages - this.imagesDone) * (imageMs ?? 0);
    const known = stepMs !== null || imageMs !== null;
    this.context.progress(this.stepsDone + this.imagesDone, this.totalSteps + this.totalImages, message, known ? Math.round(left / 1000) : null);
  }
}
