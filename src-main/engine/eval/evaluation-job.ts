import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import type { InputChannels } from '../../../src-shared/bands';
import type * as tfl from '@tensorflow/tfjs-layers';
import { addCounts } from '../../../src-shared/metrics';
import type { ClassCounts } from '../../../src-shared/metrics';
import type { EvaluationJobResult } from '../../../src-shared/evaluations';
import { decodeSample } from '../data/decode';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import type { CheckpointState } from '../model-io/checkpoint';
import { loadRunModel } from '../model-io/load-model';
import { accumulate, predictImage, predictWithTta, scoreImage } from './sliding-window';

interface Member {
  name: string;
  model: tfl.LayersModel;
  state: CheckpointState;
  size: number;
  overlap: number;
  batchSize: number;
  inputChannels: InputChannels | null;
}

/**
 * The `evaluate` job: every member run plain and with TTA, and (with two or more members) their
 * ensemble, plain and with TTA, on the same images; for two-class runs also a sweep of the
 * decision threshold. Per-class counts for each variant.
 */
export async function runEvaluationJob(params: JobParams<'evaluate'>, context: JobContext): Promise<JobResult<'evaluate'>> {
  const members: Member[] = [];
  try {
    for (const ref of params.members) {
      const { model, state } = await loadRunModel(ref);
      members.push({ name: ref.name, model, state, size: ref.config.inputSize, overlap: ref.config.validationOverlap, batchSize: ref.config.batchSize, inputChannels: ref.config.inputChannels });
    }
    const classes = params.members[0]!.classNames.length;
    const labelMap = new Map(params.labelMap);
    const names: string[] = [];
    for (const m of members) {
      names.push(m.name);
      if (params.tta) names.push(`${m.name} + TTA`);
    }
    if (members.length > 1) {
      names.push(`ensemble of ${members.length}`);
      if (params.tta) names.push(`ensemble of ${members.length} + TTA`);
    }
    // Two classes: a sweep of the decision threshold on the second class's probability (each run, plain).
    const sweep = classes === 2 ? sweepThresholds : [];
    const sweepName = (m: Member, t: number): string => `${m.name} @ p(${params.members[0]!.classNames[1]}) >= ${t.toFixed(2)}`;
    for (const m of members) for (const t of sweep) names.push(sweepName(m, t));
    const totals = new Map<string, ClassCounts[]>(names.map((n) => [n, Array.from({ length: classes }, () => ({ tp: 0, fp: 0, fn: 0 }))]));
    const result: EvaluationJobResult = { variants: [], skipped: [] };
    for (const [i, item] of params.items.entries()) {
      throwIfCancelled(context.signal);
      let sample;
      try {
        sample = await decodeSample(item.imagePath, item.maskPath, labelMap, members[0]!.inputChannels);
      } catch (error) {
        result.skipped.push({ imageId: item.imageId, message: (error as Error).message });
        continue;
      }
      const add = (name: string, probs: Float32Array): void => addCounts(totals.get(name)!, scoreImage(probs, sample.labels, classes).counts);
      const ensemble = new Float32Array(sample.width * sample.height * classes);
      const ensembleTta = params.tta ? new Float32Array(ensemble.length) : null;
      for (const m of members) {
        const plain = await predictImage(m.model, sample.image, sample.width, sample.height, m.size, m.overlap, m.state.normalization, m.batchSize);
        add(m.name, plain);
        for (const t of sweep) addCounts(totals.get(sweepName(m, t))!, thresholdCounts(plain, sample.labels, t));
        accumulate(ensemble, plain);
        if (params.tta && ensembleTta) {
          const window = { size: m.size, overlap: m.overlap, normalization: m.state.normalization, batchSize: m.batchSize };
          const augmented = await predictWithTta(m.model, sample.image, sample.width, sample.height, window, params.tta, plain);
          add(`${m.name} + TTA`, augmented);
          accumulate(ensembleTta, augmented);
        }
      }
      if (members.length > 1) {
        add(`ensemble of ${members.length}`, ensemble);
        if (ensembleTta) add(`ensemble of ${members.length} + TTA`, ensembleTta);
      }
      context.progress(i + 1, params.items.length, `evaluated ${i + 1} of ${params.items.length} images`);
    }
    result.variants = names.map((name) => ({ name, counts: totals.get(name)! }));
    return result;
  } finally {
    for (const m of members) m.model.dispose();
  }
}

export const sweepThresholds = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

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

