import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { teacherInputProblem } from '../../../src-shared/distill';
import { ApiError } from '../../../src-shared/errors';
import type { RunConfig } from '../../../src-shared/run-config';
import { imageTensor } from '../data/batch';
import type { Normalization } from '../data/batch';
import type { Pixels } from '../data/decode';
import { teacherTargets } from '../losses/distill';
import { buildRunModel } from '../model-io/load-model';

/** A distillation teacher: its model (best checkpoint), its own input normalisation, the class matrix. */
export interface Teacher {
  model: tfl.LayersModel;
  normalization: Normalization;
  matrix: tf.Tensor2D;
  alpha: number;
  temperature: number;
}

export async function loadTeacher(config: RunConfig, student: tfl.LayersModel): Promise<Teacher | null> {
  const distill = config.distill;
  if (!distill?.teacher || !distill.matrix) return null;
  const { model, state } = await buildRunModel({
    runDir: distill.teacher.runDir,
    checkpoint: 'best',
    config: distill.teacher.config as RunConfig,
    classNames: distill.teacher.classNames,
  });
  const problem = teacherInputProblem(model.inputs[0]!.shape, student.inputs[0]!.shape);
  if (problem) {
    model.dispose();
    throw new ApiError('VALIDATION', problem);
  }
  return { model, normalization: state.normalization, matrix: tf.tensor2d(distill.matrix), alpha: distill.alpha, temperature: distill.temperature };
}

export function disposeTeacher(teacher: Teacher | null): void {
  teacher?.model.dispose();
  teacher?.matrix.dispose();
}

/** The teacher's soft targets for a batch, outside the gradient tape, from the crops in its own normalisation. */
export function softTargets(teacher: Teacher | null, images: Pixels[], inputSize: number): tf.Tensor | null {
  if (!teacher) return null;
  return tf.tidy(() => {
    const x = imageTensor(images, inputSize, teacher.normalization);
    return teacherTargets(teacher.model.apply(x, { training: false }) as tf.Tensor, teacher.matrix, teacher.temperature);
  });
}
