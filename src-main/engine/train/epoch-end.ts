import { windowBatch } from '../../../src-shared/run-config';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ortAllowed, ortPredictor } from '../onnx/ort-predictor';
import { activeProfile } from '../backend/profile';
import { cpuThreads } from '../workers/threads';
import { summarize } from '../../../src-shared/metrics';
import type { TrainJobParams, TrainResult } from '../../../src-shared/training';
import { validate } from '../eval/validate';
import type { JobContext } from '../job-context';
import { JobCancelled } from '../job-context';
import { saveCheckpoints } from '../model-io/checkpoint';
import type { EpochReport } from '../../../src-shared/engine-protocol';
import type { CheckpointState } from '../model-io/checkpoint';
import type { Optimizer } from '../optim/optimizer';
import type { PlateauTracker } from '../optim/schedule';
import type { ReplicaPool } from '../workers/replica-pool';
import { epochValidation, judgedOn, subsetItems } from '../../../src-shared/validation-plan';
import { addCounts } from '../../../src-shared/metrics';
import type { ClassCounts } from '../../../src-shared/metrics';

/** What an epoch's training part measured, for its report. */
export interface EpochStats {
  started: number;
  lossSum: number;
  lossCount: number;
  samples: number;
  waitMs: number;
  workMs: number;
  lr: number;
}

/**
 * The end of an epoch: validation on full images (all of them, the seeded subset, or none, as
 * `epochValidation` plans it), the plateau schedule, best and stale-epoch tracking, checkpoints
 * (`last` always, `best` on a new best mIoU) and the epoch's report. An epoch that does not
 * validate leaves the best, the plateau and the stale count as they were.
 *
 * Like is compared with like: with a validation subset, the best checkpoint, the plateau schedule
 * and early stopping judge every validated epoch by its mIoU on the subset's images, the full
 * validation at the end included (its per-image counts hold the subset's), so 4 images never
 * beat 16. The epoch's report keeps the figures of everything it validated.
 */
export async function finishEpoch(
  epoch: number,
  stats: EpochStats,
  state: CheckpointState,
  setup: {
    params: TrainJobParams;
    model: tfl.LayersModel;
    optimizer: Optimizer;
    context: JobContext;
    plateau: PlateauTracker;
    lastDir: string;
    bestDir: string;
    /** The compute workers holding replicas, which validate images beside the engine's thread (wasm). */
    replicas?: Pick<ReplicaPool, 'validationHelpers'>;
  },
  /** Called after each validation image with its 1-based count. */
  onValidated: (image: number) => void = () => {},
): Promise<CheckpointState> {
  const { params, model, optimizer, context, plateau } = setup;
  const { config } = params;
  const plan = epochValidation(epoch + 1, config, params.val.length);
  const items = plan.kind === 'full' ? params.val : plan.kind === 'subset' ? subsetItems(params.val, plan.images, config.seed) : [];
  let validatedSoFar = 0;
  const labelMap = new Map(params.labelMap);
  const options = {
    size: config.inputSize,
    overlap: config.validationOverlap,
    normalization: state.normalization,
    batchSize: windowBatch(config),
    classes: params.classNames.length,
    inputChannels: config.inputChannels,
  };
  const validationStarted = performance.now();
  // On the CPU, ONNX Runtime runs the windows several times faster than tfjs wasm: the current
  // weights are exported for each validation and ORT takes the cores (training waits meanwhile, so
  // the compute workers stay idle). Elsewhere, or when ORT cannot load, tfjs validates as before.
  const ort = items.length > 0 && activeProfile().inferenceOnOrt && ortAllowed() ? await ortPredictor(model, cpuThreads()) : null;
  announceRuntime(
    context,
    ort
      ? ort.predictor
        ? `Validation runs on ONNX Runtime (CPU, ${cpuThreads()} threads).`
        : `Validation runs on tfjs: ONNX Runtime is not available (${ort.reason}).`
      : null,
  );
  const helpers = !ort?.predictor && setup.replicas && items.length > 0 ? await setup.replicas.validationHelpers(labelMap, options) : [];
  let val;
  try {
    val = await validate(ort?.predictor ?? model, items, labelMap, { ...options, signal: context.signal }, () => onValidated((validatedSoFar += 1)), helpers);
  } finally {
    if (ort?.predictor) await ort.release();
  }
  const validationSeconds = (performance.now() - validationStarted) / 1000;
  if (context.signal.aborted) throw new JobCancelled();
  for (const skipped of val.skipped)
    context.emit({ kind: 'run-event', level: 'warn', message: `Skipped validation image ${skipped.imageId}: ${skipped.message}` });
  const validated = plan.kind !== 'skipped';
  const judged = judgedOn(config, params.val.length);
  const miou = validated
    ? summarize(
        judged
          ? countsOf(val.imageCounts, new Set(subsetItems(params.val, judged.images, config.seed).map((i) => i.imageId)), params.classNames.length)
          : val.counts,
      ).miou
    : null;
  const improved = miou !== null && (state.bestMiou === null || miou > state.bestMiou);
  if (config.schedule.name === 'plateau' && miou !== null) plateau.update(miou);
  const busyMs = stats.waitMs + stats.workMs;
  const report: EpochReport = {
    epoch: epoch + 1,
    trainLoss: stats.lossCount > 0 ? stats.lossSum / stats.lossCount : Number.NaN,
    valLoss: validated ? val.loss : null,
    lr: stats.lr,
    seconds: (performance.now() - stats.started) / 1000,
    validationSeconds,
    imagesPerSecond: busyMs > 0 ? stats.samples / (busyMs / 1000) : 0,
    dataWait: busyMs > 0 ? stats.waitMs / busyMs : 0,
    counts: validated ? val.counts : [],
    imageCounts: val.imageCounts,
    best: improved,
    ...(validated && judged && { judgedMiou: miou, judgedOn: judged }),
    validation: plan,
    validationTotal: params.val.length,
  };
  const next: CheckpointState = {
    ...state,
    epoch: epoch + 1,
    plateau: plateau.toJSON(),
    staleEpochs: improved ? 0 : validated ? state.staleEpochs + 1 : state.staleEpochs,
    bestMiou: improved ? miou : state.bestMiou,
    bestEpoch: improved ? epoch + 1 : state.bestEpoch,
    savedAt: new Date().toISOString(),
    epochReport: report,
  };
  // `last` and `best` together or neither (a full disk leaves both as they were, and the epoch
  // is trained again on resume); then the record, which a resume sends again if main could not
  // store it.
  await saveCheckpoints(improved ? [setup.bestDir, setup.lastDir] : [setup.lastDir], model, optimizer, next);
  context.emit({ kind: 'run-epoch', epoch: report });
  return next;
}

const announced = new WeakMap<JobContext, string>();

/** Says in the run's events which runtime validates: at its first validation, and again if that changes. */
function announceRuntime(context: JobContext, message: string | null): void {
  if (message === null || announced.get(context) === message) return;
  announced.set(context, message);
  context.emit({ kind: 'run-event', level: 'info', message });
}

/** The summed counts of the images in `ids`. */
function countsOf(images: readonly { imageId: number; counts: ClassCounts[] }[], ids: ReadonlySet<number>, classes: number): ClassCounts[] {
  const sum = Array.from({ length: classes }, () => ({ tp: 0, fp: 0, fn: 0 }));
  for (const image of images) if (ids.has(image.imageId)) addCounts(sum, image.counts);
  return sum;
}

/** Early stopping: the result that ends the run once mIoU has not improved for `earlyStoppingPatience` epochs. */
export function earlyStop(params: TrainJobParams, state: CheckpointState): TrainResult | null {
  const patience = params.config.earlyStoppingPatience;
  if (patience === null || state.staleEpochs < patience) return null;
  return {
    outcome: 'early-stopped',
    epochs: state.epoch,
    bestEpoch: state.bestEpoch,
    bestMiou: state.bestMiou,
    reason: `Validation mIoU did not improve for ${patience} epochs.`,
  };
}
