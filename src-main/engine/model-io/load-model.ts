import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { channelCount } from '../../../src-shared/bands';
import { ApiError } from '../../../src-shared/errors';
import type { ModelRef } from '../../../src-shared/training';
import { selectBackend } from '../backend/select';
import { createModel } from '../models/registry';
import { loadCheckpoint } from './checkpoint';
import type { CheckpointState } from './checkpoint';

/** Builds the run's model and loads its best or last checkpoint. */
export async function loadRunModel(ref: ModelRef): Promise<{ model: tfl.LayersModel; state: CheckpointState }> {
  refuseExternal(ref);
  const dir = join(ref.runDir, ref.checkpoint);
  if (!existsSync(join(dir, 'checkpoint.json'))) {
    throw new ApiError('VALIDATION', `This run has no ${ref.checkpoint} checkpoint (${dir}); it never finished an epoch. Train it first.`);
  }
  await selectBackend(ref.config.backend);
  return buildRunModel(ref);
}

/** The run's model with its checkpoint, on the backend already selected (a teacher inside a training job). */
export async function buildRunModel(ref: ModelRef): Promise<{ model: tfl.LayersModel; state: CheckpointState }> {
  refuseExternal(ref);
  const dir = join(ref.runDir, ref.checkpoint);
  if (!existsSync(join(dir, 'checkpoint.json'))) {
    throw new ApiError('VALIDATION', `The run at ${ref.runDir} has no ${ref.checkpoint} checkpoint; it never finished an epoch.`);
  }
  const model = createModel(ref.config.model, {
    classes: ref.classNames.length,
    inputChannels: channelCount(ref.config.inputChannels),
    inputSize: ref.config.inputSize,
    ...ref.config.modelOptions,
  });
  try {
    return { model, state: await loadCheckpoint(dir, model, null) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** An imported model has no tfjs graph or checkpoint: only jobs that run it on ONNX Runtime take it. */
function refuseExternal(ref: ModelRef): void {
  if (ref.external)
    throw new ApiError(
      'VALIDATION',
      `The run at ${ref.runDir} is an imported ONNX model; it has no SegBench checkpoint to train from, distil or export (its file is ${ref.external.file}).`,
    );
}
