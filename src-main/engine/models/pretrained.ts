import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ApiError } from '../../../src-shared/errors';
import { describeIssues } from '../../../src-shared/request-errors';
import { z } from '../../../src-shared/zod';

/**
 * What is read of a tfjs model.json: its weight groups, each with its files and the weights they
 * hold in order. An entry's other fields (quantization, group) go to tfjs as they are.
 */
const savedModelJsonSchema = z.object({
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(
          z.looseObject({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']) }),
        ),
      }),
    )
    .optional(),
});
type SavedModelJson = z.output<typeof savedModelJsonSchema>;

interface PretrainedReport {
  matched: number;
  total: number;
  /** Target weights left as initialised: absent from the file, or of another shape (e.g. the classifier). */
  skipped: string[];
  /** First convolutions taken from a 3-channel (RGB) kernel for another number of input channels. */
  adapted: string[];
}

/** A 3-input-channel kernel [kh, kw, 3, filters] where the model's has [kh, kw, C, filters], C != 3. */
function isInputAdaptable(source: readonly number[], target: readonly (number | null)[]): boolean {
  return (
    source.length === 4 &&
    target.length === 4 &&
    source[2] === 3 &&
    target[2] !== 3 &&
    source[0] === target[0] &&
    source[1] === target[1] &&
    source[3] === target[3]
  );
}

/**
 * An RGB kernel for C input channels, the rule timm uses for `in_chans`: channel c takes the RGB
 * slice c mod 3, and the whole kernel is scaled by 3 / C, so the first activations keep their
 * magnitude whatever the number of bands.
 */
function adaptInputKernel(kernel: tf.Tensor, channels: number): tf.Tensor {
  return tf.tidy(() => {
    const slices = tf.split(kernel, 3, 2);
    const picked = Array.from({ length: channels }, (_, c) => slices[c % 3]!);
    return tf.mul(tf.concat(picked, 2), 3 / channels);
  });
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
    const json: unknown = JSON.parse(await readFile(modelJsonPath, 'utf8'));
    const parsed = savedModelJsonSchema.safeParse(json);
    if (!parsed.success) throw new Error(describeIssues(parsed.error.issues, json));
    manifest = parsed.data;
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
    // A multispectral model's first convolution takes C bands where the file's took RGB.
    const adaptable = model.weights.filter((w) => {
      const source = named[w.originalName];
      return source !== undefined && isInputAdaptable(source.shape, w.shape);
    });
    // Names like bn_3/gamma can coincide across architectures: a file that explains less than
    // half of the model is another architecture, and nothing is written.
    if (matches.length + adaptable.length < model.weights.length / 2) {
      throw new ApiError(
        'VALIDATION',
        `Only ${matches.length} of ${model.weights.length} weights in ${modelJsonPath} match this model's layers by name and shape; it needs a model of the same architecture.`,
      );
    }
    for (const weight of matches) weight.write(named[weight.originalName]!);
    for (const weight of adaptable) {
      const adapted = adaptInputKernel(named[weight.originalName]!, weight.shape[2]!);
      weight.write(adapted);
      adapted.dispose();
    }
    const matched = new Set([...matches, ...adaptable]);
    return {
      matched: matches.length + adaptable.length,
      total: model.weights.length,
      skipped: model.weights.filter((w) => !matched.has(w)).map((w) => w.originalName),
      adapted: adaptable.map((w) => w.originalName),
    };
  } finally {
    tf.dispose(Object.values(named));
  }
}
