import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ApiError } from '../../../src-shared/errors';

interface SavedModelJson {
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export interface PretrainedReport {
  matched: number;
  total: number;
  /** Target weights left as initialised: absent from the file, or of another shape (e.g. the classifier). */
  skipped: string[];
}

/**
 * Loads weights from a tfjs layers model saved on disk (model.json plus its weight files, the
 * format of model.save('file://...') and the Keras converter) into `model`, matching by layer
 * weight name and shape. An encoder trained elsewhere fits; a classifier for another number of
 * classes is skipped and trains from scratch.
 */
export async function loadPretrainedWeights(model: tfl.LayersModel, modelJsonPath: string): Promise<PretrainedReport> {
  let manifest: SavedModelJson;
  try {
    manifest = JSON.parse(await readFile(modelJsonPath, 'utf8')) as SavedModelJson;
  } catch (error) {
    throw new ApiError('VALIDATION', `Cannot read the pretrained model ${modelJsonPath}: ${(error as Error).message}. Give the path of a tfjs model.json.`);
  }
  if (!manifest.weightsManifest?.length) throw new ApiError('VALIDATION', `${modelJsonPath} has no weightsManifest: it is not a tfjs layers model.json.`);
  const specs = manifest.weightsManifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(manifest.weightsManifest.flatMap((group) => group.paths.map((path) => readFile(join(dirname(modelJsonPath), path)))));
  const data = Buffer.concat(buffers);
  const named = tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer, specs);
  try {
    const matches = model.weights.filter((w) => {
      const source = named[w.originalName];
      return source !== undefined && tf.util.arraysEqual(source.shape, w.shape as number[]);
    });
    // Names like bn_3/gamma can coincide across architectures: a file that explains less than
    // half of the model is another architecture, and nothing is written.
    if (matches.length < model.weights.length / 2) {
      throw new ApiError(
        'VALIDATION',
        `Only ${matches.length} of ${model.weights.length} weights in ${modelJsonPath} match this model's layers by name and shape; it needs a model of the same architecture.`,
      );
    }
    for (const weight of matches) weight.write(named[weight.originalName]!);
    const matched = new Set(matches);
    return {
      matched: matches.length,
      total: model.weights.length,
      skipped: model.weights.filter((w) => !matched.has(w)).map((w) => w.originalName),
    };
  } finally {
    tf.dispose(Object.values(named));
  }
}
