import * as tf from '@tensorflow/tfjs-core';
import { windowBatch } from '../../../src-shared/run-config';
import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import type { InputChannels } from '../../../src-shared/bands';
import type * as tfl from '@tensorflow/tfjs-layers';
import { addCounts } from '../../../src-shared/metrics';
import type { ClassCounts } from '../../../src-shared/metrics';
import type { EvaluationJobResult } from '../../../src-shared/evaluations';
import type { ModelRef, TrainItem } from '../../../src-shared/training';
import { decodeSample } from '../data/decode';
import type { JobContext } from '../job-context';
import type { CheckpointState } from '../model-io/checkpoint';
import { loadRunModel } from '../model-io/load-model';
import { shareImages } from './inference-pool';
import type { EvaluatedImage, EvaluationSpec } from './inference-types';
import { accumulate, predictImage, predictWithTta, scoreImage } from './sliding-window';
import type { WindowPredictor } from './sliding-window';
import { cpuInference } from '../onnx/ort-predictor';
import { externalPredictor } from '../onnx/external-model';
import { maskPredictor } from './predicted-masks';
import type { WholeImagePredictor } from './predicted-masks';

/** One run of an evaluation, built on the thread that uses it. */
export interface Member {
  name: string;
  /** The tfjs model; null for an imported model, which runs only on ONNX Runtime (`predictor`). */
  model: tfl.LayersModel | null;
  /** The same model on ONNX Runtime, when the job runs there (the CPU), or an imported model. */
  predictor?: WindowPredictor;
  /** Imported predicted masks: whole images, no windows; TTA gives the same masks. */
  whole?: WholeImagePredictor;
  state: Pick<CheckpointState, 'normalization'>;
  size: number;
  overlap: number;
  batchSize: number;
  inputChannels: InputChannels | null;
}

export function memberOf(ref: ModelRef & { name: string }, model: tfl.LayersModel | null, state: Pick<CheckpointState, 'normalization'>): Member {
  return {
    name: ref.name,
    model,
    state,
    size: ref.config.inputSize,
    overlap: ref.config.validationOverlap,
    batchSize: windowBatch(ref.config),
    inputChannels: ref.config.inputChannels,
  };
}

/**
 * The `evaluate` job kind, Compare's evaluation (stored in the evaluations table; not the `eval`
 * kind of checkpoint-score-job.ts, which scores one checkpoint on a split): every member run plain
 * and with TTA, and (with two or more members) their ensemble, plain and with TTA, on the same
 * images; for two-class runs also a sweep of the decision threshold. Per-class counts for each variant. On wasm the images are shared out over
 * compute workers that load the same checkpoints; the counts are summed in image order, so they
 * equal one thread's.
 */
export async function runEvaluationJob(params: JobParams<'evaluate'>, context: JobContext): Promise<JobResult<'evaluate'>> {
  const members: Member[] = [];
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const ref of params.members) {
      if (ref.predictedMasks) {
        members.push({
          ...memberOf(ref, null, { normalization: { mean: [], std: [] } }),
          whole: maskPredictor(ref.predictedMasks, new Map(params.labelMap), ref.classNames.length),
        });
        continue;
      }
      if (ref.external) {
        const ort = await externalPredictor(ref.external, undefined, (m) => context.log('info', m));
        releases.push(ort.release);
        members.push({ ...memberOf(ref, null, { normalization: ref.external.normalization }), predictor: ort.predictor });
        continue;
      }
      const { model, state } = await loadRunModel(ref);
      members.push(memberOf(ref, model, state));
    }
    // On the CPU every member runs on ONNX Runtime, which takes the cores itself (no compute workers).
    const trained = members.filter((m) => m.model);
    const ortReleases: (() => Promise<void>)[] = [];
    for (const m of trained) {
      const ort = await cpuInference(m.model!, context);
      if (!ort) break;
      m.predictor = ort.predictor;
      ortReleases.push(ort.release);
    }
    if (!trained.every((m) => m.predictor)) {
      for (const m of trained) delete m.predictor;
      for (const release of ortReleases) await release();
    } else releases.push(...ortReleases);
    // Compute workers load checkpoints; with an imported member the engine's thread does it all.
    const onOrt = members.every((m) => m.predictor || m.whole) || members.some((m) => !m.model);
    const spec: EvaluationSpec = { labelMap: params.labelMap, tta: params.tta, classNames: params.members[0]!.classNames };
    const names = variantNames(members, spec);
    const total = params.items.length;
    const images = await shareImages(
      params.members,
      onOrt ? 'onnxruntime' : tf.getBackend(),
      total,
      context,
      { doing: 'evaluating', done: 'evaluated' },
      (i) => evaluateItem(members, params.items[i]!, spec),
      (worker, i) => worker.evaluate(params.items[i]!, spec),
    );
    const classes = spec.classNames.length;
    const totals = names.map(() => Array.from({ length: classes }, () => ({ tp: 0, fp: 0, fn: 0 })));
    const result: EvaluationJobResult = { variants: [], skipped: [] };
    images.forEach((image, i) => {
      if (!image) return;
      if ('skipped' in image) result.skipped.push({ imageId: params.items[i]!.imageId, message: image.skipped });
      else image.counts.forEach((counts, v) => addCounts(totals[v]!, counts));
    });
    result.variants = names.map((name, v) => ({ name, counts: totals[v]! }));
    return result;
  } finally {
    for (const release of releases) await release();
    for (const m of members) m.model?.dispose();
  }
}

const sweepThresholds = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Two classes: a sweep of the decision threshold on the second class's probability (each run, plain). */
const sweepOf = (spec: EvaluationSpec): number[] => (spec.classNames.length === 2 ? sweepThresholds : []);
const sweepName = (member: { name: string }, spec: EvaluationSpec, t: number): string => `${member.name} @ p(${spec.classNames[1]}) >= ${t.toFixed(2)}`;

/** The variants' names, in the order of an EvaluatedImage's counts. */
function variantNames(members: readonly { name: string }[], spec: EvaluationSpec): string[] {
  const names: string[] = [];
  for (const m of members) {
    names.push(m.name);
    if (spec.tta) names.push(`${m.name} + TTA`);
  }
  if (members.length > 1) {
    names.push(`ensemble of ${members.length}`);
    if (spec.tta) names.push(`ensemble of ${members.length} + TTA`);
  }
  for (const m of members) for (const t of sweepOf(spec)) names.push(sweepName(m, spec, t));
  return names;
}

/** Every variant's counts on one image: the unit of work of each thread. */
export async function evaluateItem(members: readonly Member[], item: TrainItem, spec: EvaluationSpec): Promise<EvaluatedImage> {
  const classes = spec.classNames.length;
  let sample;
  try {
    sample = await decodeSample(item.imagePath, item.maskPath, new Map(spec.labelMap), members[0]!.inputChannels);
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  const score = (probs: Float32Array): ClassCounts[] => scoreImage(probs, sample.labels, classes).counts;
  // Built in variantNames' order: each member plain (and with TTA), the ensemble, then the sweeps.
  const counts: ClassCounts[][] = [];
  const sweeps: ClassCounts[][] = [];
  const ensemble = new Float32Array(sample.width * sample.height * classes);
  const ensembleTta = spec.tta ? new Float32Array(ensemble.length) : null;
  for (const m of members) {
    let plain: Float32Array;
    if (m.whole) {
      try {
        plain = await m.whole.wholeImage(item.imagePath, sample.width, sample.height);
      } catch (error) {
        return { skipped: `${m.name}: ${error instanceof Error ? error.message : String(error)}` };
      }
      counts.push(score(plain));
      for (const t of sweepOf(spec)) sweeps.push(thresholdCounts(plain, sample.labels, t));
      accumulate(ensemble, plain);
      if (spec.tta && ensembleTta) {
        counts.push(score(plain));
        accumulate(ensembleTta, plain);
      }
      continue;
    }
    plain = await predictImage(m.predictor ?? m.model!, sample.image, sample.width, sample.height, m.size, m.overlap, m.state.normalization, m.batchSize);
    counts.push(score(plain));
    for (const t of sweepOf(spec)) sweeps.push(thresholdCounts(plain, sample.labels, t));
    accumulate(ensemble, plain);
    if (spec.tta && ensembleTta) {
      const window = { size: m.size, overlap: m.overlap, normalization: m.state.normalization, batchSize: m.batchSize };
      const augmented = await predictWithTta(m.predictor ?? m.model!, sample.image, sample.width, sample.height, window, spec.tta, plain);
      counts.push(score(augmented));
      accumulate(ensembleTta, augmented);
    }
  }
  if (members.length > 1) {
    counts.push(score(ensemble));
    if (ensembleTta) counts.push(score(ensembleTta));
  }
  return { counts: [...counts, ...sweeps] };
}

/** Two-class counts when class 1 is predicted where its probability is at least `threshold`. */
export function thresholdCounts(probs: Float32Array, labels: Uint8Array, threshold: number): ClassCounts[] {
  const counts: ClassCounts[] = [
    { tp: 0, fp: 0, fn: 0 },
    { tp: 0, fp: 0, fn: 0 },
  ];
  for (let p = 0; p < labels.length; p += 1) {
    const label = labels[p]!;
    if (label > 1) continue;
    const predicted = probs[p * 2 + 1]! >= threshold ? 1 : 0;
    if (predicted === label) counts[label]!.tp += 1;
    else {
      counts[label]!.fn += 1;
      counts[predicted]!.fp += 1;
    }
  }
  return counts;
}
