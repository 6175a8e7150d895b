import type * as tfl from '@tensorflow/tfjs-layers';
import type { JobContext } from '../job-context';
import { activeProfile } from '../backend/profile';
import { cpuThreads } from '../workers/threads';
import { imageData } from '../data/batch';
import type { WindowPredictor } from '../eval/sliding-window';
import { exportOnnxAsync } from '../export/onnx-export';
import { createOrtSession, releaseOrtSession, runOrt } from './ort-session';

/** SEGBENCH_INFERENCE=tfjs keeps every inference on tfjs (for comparing the two, or if ORT misbehaves). */
export function ortAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SEGBENCH_INFERENCE !== 'tfjs';
}

/**
 * `model` with its current weights, exported to ONNX and run by ONNX Runtime's CPU provider with
 * `threads` intra-op threads, as a WindowPredictor; or why it cannot be (the package did not load,
 * a layer cannot be exported). Softmax is taken here, over the logits ORT returns, in float64 per
 * pixel, so probabilities match tfjs's to float32 rounding. `release` frees the session.
 */
export async function ortPredictor(
  model: tfl.LayersModel,
  threads: number,
): Promise<{ predictor: WindowPredictor; release: () => Promise<void>; reason?: undefined } | { predictor: null; reason: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await exportOnnxAsync(model, {});
  } catch (error) {
    return { predictor: null, reason: `the model could not be exported to ONNX: ${error instanceof Error ? error.message : String(error)}` };
  }
  const made = await createOrtSession(bytes, { intraOpThreads: threads });
  if (!made.session) return { predictor: null, reason: made.reason };
  const session = made.session;
  const classes = (model.outputs[0]!.shape[3] as number) ?? 0;
  const predictor: WindowPredictor = {
    classes,
    probabilities: async (crops, size, normalization) => {
      const channels = normalization.mean.length;
      const { logits } = await runOrt(session, imageData(crops, size, normalization), [crops.length, size, size, channels]);
      return softmax(logits, classes);
    },
  };
  return { predictor, release: () => releaseOrtSession(session) };
}

/** Softmax over the last axis of [pixels, classes] logits, in place. */
export function softmax(logits: Float32Array, classes: number): Float32Array {
  for (let p = 0; p < logits.length; p += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c += 1) max = Math.max(max, logits[p + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c += 1) sum += Math.exp(logits[p + c]! - max);
    for (let c = 0; c < classes; c += 1) logits[p + c] = Math.exp(logits[p + c]! - max) / sum;
  }
  return logits;
}

/**
 * For an inference job on the CPU (tfjs on wasm): the model on ONNX Runtime with the validation
 * threads, or null (another backend, SEGBENCH_INFERENCE=tfjs, or ORT unavailable: then the job
 * log says why and tfjs runs it).
 */
export async function cpuInference(
  model: tfl.LayersModel,
  context: Pick<JobContext, 'log'>,
): Promise<{ predictor: WindowPredictor; release: () => Promise<void> } | null> {
  if (!activeProfile().inferenceOnOrt || !ortAllowed()) return null;
  const ort = await ortPredictor(model, cpuThreads());
  if (ort.predictor) return ort;
  context.log('warn', `Inference runs on tfjs: ONNX Runtime is not available (${ort.reason}).`);
  return null;
}
