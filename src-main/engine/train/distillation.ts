import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { teacherInputProblem } from '../../../src-shared/distill';
import { ApiError } from '../../../src-shared/errors';
import type { ExternalModel } from '../../../src-shared/external-model';
import type { RunConfig } from '../../../src-shared/run-config';
import { imageTensor } from '../data/batch';
import type { Normalization } from '../data/batch';
import type { Pixels } from '../data/decode';
import type { WindowPredictor } from '../eval/sliding-window';
import { teacherTargets } from '../losses/distill';
import { buildRunModel } from '../model-io/load-model';
import { externalPredictor } from '../onnx/external-model';

/**
 * A distillation teacher: a SegBench run's model (best checkpoint) or an imported ONNX model (on
 * ONNX Runtime), its own input normalisation, the class matrix.
 */
export interface Teacher {
  source: { kind: 'tfjs'; model: tfl.LayersModel } | { kind: 'onnx'; predictor: WindowPredictor; release: () => Promise<void> };
  normalization: Normalization;
  matrix: tf.Tensor2D;
  alpha: number;
  temperature: number;
}

export async function loadTeacher(config: RunConfig, student: tfl.LayersModel, log: (message: string) => void = () => {}): Promise<Teacher | null> {
  const distill = config.distill;
  if (!distill?.teacher || !distill.matrix) return null;
  const weights = { matrix: tf.tensor2d(distill.matrix), alpha: distill.alpha, temperature: distill.temperature };
  // Main puts the imported run's parsed ExternalModel record here (src-shared's schema keeps it opaque, like the config).
  const external = distill.teacher.external as ExternalModel | undefined;
  if (external) {
    const bands = student.inputs[0]!.shape[3];
    if (bands !== external.channels) {
      weights.matrix.dispose();
      throw new ApiError(
        'VALIDATION',
        `The teacher does not fit this run: it takes ${external.channels} bands, the student ${bands}. Pick a teacher for ${bands}-band images.`,
      );
    }
    // Main checked the input size against the model's stride (or fixed size).
    const { predictor, release } = await externalPredictor(external, undefined, log).catch((error: unknown) => {
      weights.matrix.dispose();
      throw error;
    });
    log(
      `The teacher is an imported ONNX model (${basename(external.source)}): ONNX Runtime computes its soft targets for each whole batch on the engine's thread, from the crops in the teacher's own normalisation, before the step's gradients (split over compute workers as usual).`,
    );
    return { source: { kind: 'onnx', predictor, release }, normalization: external.normalization, ...weights };
  }
  const { model, state } = await buildRunModel({
    runDir: distill.teacher.runDir,
    checkpoint: 'best',
    config: distill.teacher.config as RunConfig,
    classNames: distill.teacher.classNames,
  }).catch((error: unknown) => {
    weights.matrix.dispose();
    throw error;
  });
  const problem = teacherInputProblem(model.inputs[0]!.shape, student.inputs[0]!.shape);
  if (problem) {
    model.dispose();
    weights.matrix.dispose();
    throw new ApiError('VALIDATION', problem);
  }
  return { source: { kind: 'tfjs', model }, normalization: state.normalization, ...weights };
}

/** Frees the teacher's model, or releases its ONNX Runtime session. */
export async function disposeTeacher(teacher: Teacher | null): Promise<void> {
  if (!teacher) return;
  teacher.matrix.dispose();
  if (teacher.source.kind === 'tfjs') teacher.source.model.dispose();
  else await teacher.source.release();
}

/**
 * Logits whose softmax at temperature T is the temperature-scaled distribution of probabilities
 * `probs`: log(max(p, 1e-7)), since softmax(log p / T) is p^(1/T) normalised, as the teacher's
 * own logits / T would give (logits and log p differ by a constant per pixel).
 */
export function logitsFromProbabilities(probs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.log(tf.maximum(probs, 1e-7)));
}

/** The teacher's soft targets for a batch, outside the gradient tape, from the crops in its own normalisation. */
export async function softTargets(teacher: Teacher | null, images: Pixels[], inputSize: number): Promise<tf.Tensor | null> {
  if (!teacher) return null;
  const source = teacher.source;
  if (source.kind === 'tfjs') {
    return tf.tidy(() => {
      const x = imageTensor(images, inputSize, teacher.normalization);
      return teacherTargets(source.model.apply(x, { training: false }) as tf.Tensor, teacher.matrix, teacher.temperature);
    });
  }
  const probs = await source.predictor.probabilities(images, inputSize, teacher.normalization);
  return tf.tidy(() => {
    const p = tf.tensor4d(probs, [images.length, inputSize, inputSize, source.predictor.classes]);
    return teacherTargets(logitsFromProbabilities(p), teacher.matrix, teacher.temperature);
  });
}
