import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainResult } from '../../../src-shared/training';
import type { JobContext } from '../job-context';
import { loadCheckpoint } from '../model-io/checkpoint';
import type { CheckpointState } from '../model-io/checkpoint';
import type { Optimizer } from '../optim/optimizer';

const maxRollbacks = 3;

/**
 * A non-finite loss: roll back to `last` with half the learning rate, at most three times; the
 * fourth time the run ends `diverged` with `best` intact.
 */
export async function rollBack(
  state: CheckpointState,
  epoch: number,
  lastDir: string,
  model: tfl.LayersModel,
  optimizer: Optimizer,
  context: JobContext,
): Promise<{ state: CheckpointState } | { diverged: TrainResult }> {
  const rollbacks = state.rollbacks + 1;
  const lrScale = state.lrScale / 2;
  const globalStep = state.globalStep + 1;
  if (rollbacks > maxRollbacks) {
    const reason = `The loss became non-finite at step ${globalStep} (epoch ${epoch + 1}) after ${maxRollbacks} rollbacks with halved learning rates; stopped. The best checkpoint is intact.`;
    context.emit({ kind: 'run-event', level: 'warn', message: reason });
    return { diverged: { outcome: 'diverged', epochs: state.epoch, bestEpoch: state.bestEpoch, bestMiou: state.bestMiou, reason } };
  }
  const restored = { ...(await loadCheckpoint(lastDir, model, optimizer)), rollbacks, lrScale, globalStep };
  context.emit({
    kind: 'run-event',
    level: 'warn',
    message: `Non-finite loss at step ${globalStep}: rolled back to the checkpoint of epoch ${restored.epoch} and halved the learning rate (x${lrScale}); rollback ${rollbacks} of ${maxRollbacks}.`,
  });
  return { state: restored };
}
