import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend/select';
import { scoreItem } from '../eval/validate';
import { evaluateItem, memberOf } from '../eval/evaluation-job';
import type { Member } from '../eval/evaluation-job';
import { predictOne } from '../eval/predict-job';
import { buildRunModel } from '../model-io/load-model';
import type { ModelRef } from '../../../src-shared/training';
import { getLoss } from '../losses/registry';
import type { LossFunction } from '../losses/registry';
import { createModel } from '../models/registry';
import { batchLoss } from '../train/batch-loss';
import type { BatchPart, FromWorker, ToWorker, WorkerSetup } from './worker-protocol';

/**
 * A compute worker (worker thread of the engine process) with its own wasm backend; wasm runs one
 * thread per instance under Node, so this is how a job uses a second core. In training it holds a
 * replica of the model: each step it takes the current weights and a part of the batch and sends
 * back the loss and the gradients (the engine's thread averages them and steps the optimizer),
 * and at validation it scores whole images with every weight sent once. In an inference job
 * (`predict`, `evaluate`) it loads the runs' checkpoints itself and evaluates or predicts images.
 */
interface Replica {
  model: tfl.LayersModel;
  variables: tf.Variable[];
  lossFn: LossFunction;
  setup: WorkerSetup;
}

let replica: Replica | null = null;
const port = parentPort!;
const reply = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function init(setup: WorkerSetup): Promise<void> {
  await selectBackend('wasm');
  const model = createModel(setup.model, setup.modelOptions);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  replica = { model, variables, lossFn: getLoss(setup.loss), setup };
  reply({ type: 'ready', shapes: variables.map((v) => v.shape) });
}

function step(weights: Float32Array[], part: BatchPart): void {
  const { model, variables, lossFn, setup } = replica!;
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
  const x = tf.tensor4d(part.x, [part.count, part.size, part.size, part.x.length / (part.count * part.size * part.size)]);
  const y = tf.tensor3d(part.y, [part.count, part.size, part.size], 'int32');
  const soft = part.soft ? tf.tensor4d(part.soft, [part.count, part.size, part.size, part.classes]) : null;
  const { value, grads } = tf.variableGrads(() => batchLoss(model, x, y, lossFn, setup.lossOptions, soft, setup.distill), variables);
  const loss = value.dataSync()[0]!;
  // dataSync on wasm copies out of the heap, so the arrays can be handed over.
  const out = variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([x, y, value, ...(soft ? [soft] : []), ...Object.values(grads)]);
  reply(
    { type: 'grads', loss, grads: out },
    out.map((a) => a.buffer as ArrayBuffer),
  );
}

/** Every weight of the engine's model, batch-norm statistics included: validation needs them all. */
function setWeights(weights: Float32Array[]): void {
  const { model } = replica!;
  tf.tidy(() => model.setWeights(model.weights.map((w, i) => tf.tensor(weights[i]!, w.shape as number[]))));
  reply({ type: 'weights-set' });
}

/** The runs of an inference job (`predict`, `evaluate`), loaded from their checkpoints in this worker. */
let runs: Member[] = [];

async function loadRuns(refs: (ModelRef & { name: string })[]): Promise<void> {
  await selectBackend('wasm');
  for (const run of runs) run.model?.dispose();
  runs = [];
  for (const ref of refs) {
    const { model, state } = await buildRunModel(ref);
    runs.push(memberOf(ref, model, state));
  }
  reply({ type: 'runs-ready' });
}

port.on('message', (message: ToWorker) => {
  void (async () => {
    try {
      if (message.type === 'init') await init(message.setup);
      else if (message.type === 'step') step(message.weights, message.part);
      else if (message.type === 'weights') setWeights(message.weights);
      else if (message.type === 'runs') await loadRuns(message.refs);
      else if (message.type === 'evaluate') reply({ type: 'evaluated', image: await evaluateItem(runs, message.item, message.spec) });
      else if (message.type === 'predict')
        reply({ type: 'predicted', image: await predictOne(runs[0]!.model!, runs[0]!.state, message.settings, message.input) });
      else if (message.type === 'score')
        reply({ type: 'scored', image: await scoreItem(replica!.model, message.item, new Map(message.labelMap), message.options) });
      else reply({ type: 'memory', tensors: tf.memory().numTensors });
    } catch (error) {
      reply({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  })();
});
