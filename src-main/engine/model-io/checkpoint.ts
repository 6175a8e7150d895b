import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { epochReportSchema } from '../../../src-shared/engine-protocol';
import { parseStored } from '../../../src-shared/stored';
import { z } from '../../../src-shared/zod';
import type { Optimizer, OptimizerSnapshot } from '../optim/optimizer';

/** What a checkpoint knows besides the weights: where training stood, to resume it exactly. */
const checkpointStateSchema = z.object({
  /** Epochs completed. */
  epoch: z.number(),
  globalStep: z.number(),
  bestMiou: z.number().nullable(),
  bestEpoch: z.number().nullable(),
  plateau: z.object({
    /** -Infinity before any validated epoch; JSON writes it as null, read back as -Infinity. */
    best: z
      .number()
      .nullable()
      .transform((best) => best ?? Number.NEGATIVE_INFINITY),
    stale: z.number(),
    reductions: z.number(),
  }),
  /** Learning-rate factor after non-finite rollbacks (1, 0.5, 0.25, ...). */
  lrScale: z.number(),
  rollbacks: z.number(),
  staleEpochs: z.number(),
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  classNames: z.array(z.string()),
  model: z.string(),
  inputSize: z.number(),
  savedAt: z.string(),
  /**
   * The report of the epoch this checkpoint closes. A resume sends it again, so an epoch whose
   * checkpoint was saved but whose record main could not store (a full disk) is never lost.
   */
  epochReport: epochReportSchema.optional(),
});
export type CheckpointState = z.output<typeof checkpointStateSchema>;

const weightSpecSchema = z.object({ name: z.string(), shape: z.array(z.number()) });

/** checkpoint.json as writeCheckpoint writes it: the state, the weights in weights.bin's order, the optimizer's slots in optimizer.bin's. */
const checkpointManifestSchema = z.object({
  state: checkpointStateSchema,
  weights: z.array(weightSpecSchema),
  optimizer: z.object({ step: z.number(), slots: z.array(z.object({ name: z.string(), shape: z.array(z.number()), count: z.number() })) }),
});

/**
 * Writes model weights (all of them, batch-norm statistics included), optimizer moments and the
 * training state to `dir` through a temp folder and a rename, so a crash mid-write leaves the
 * previous checkpoint whole.
 */
export async function saveCheckpoint(dir: string, model: tfl.LayersModel, optimizer: Optimizer, state: CheckpointState): Promise<void> {
  await saveCheckpoints([dir], model, optimizer, state);
}

/**
 * Several checkpoints of one state (an epoch's `last` and `best`) as one step: every temp folder
 * is written first, and only once all are whole are they renamed into place (which takes no
 * space). A full disk during any write leaves every previous checkpoint as it was, so an epoch is
 * never half saved (its `best` written and its `last` not, or the reverse).
 */
export async function saveCheckpoints(dirs: readonly string[], model: tfl.LayersModel, optimizer: Optimizer, state: CheckpointState): Promise<void> {
  const temps = dirs.map((dir) => `${dir}.tmp-${process.pid}`);
  try {
    for (const temp of temps) await writeCheckpoint(temp, model, optimizer, state);
  } catch (error) {
    // A failed write never leaves its temp folders behind (on a full disk they are what fills it).
    for (const temp of temps) await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (!isNoSpace(error)) throw error;
    // Weights and two Adam moments, in each of the two checkpoints a run keeps (last and best).
    const needed = model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0) * 4 * 3 * 2;
    throw new Error(
      `disk full: ${freeMegabytes(dirs[0] ?? '.')} MB free, the run needs about ${(needed / 2 ** 20).toFixed(1)} MB for its checkpoints (weights and optimizer state, last and best). Free some space and resume the run.`,
    );
  }
  for (const [i, dir] of dirs.entries()) {
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) await rename(dir, old);
    await rename(temps[i]!, dir);
    await rm(old, { recursive: true, force: true });
  }
}

function isNoSpace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function freeMegabytes(path: string): string {
  try {
    const stats = statfsSync(dirname(path));
    return ((stats.bavail * stats.bsize) / 2 ** 20).toFixed(1);
  } catch {
    return '?';
  }
}

async function writeCheckpoint(temp: string, model: tfl.LayersModel, optimizer: Optimizer, state: CheckpointState): Promise<void> {
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  const weights = await Promise.all(
    model.weights.map(async (w) => ({ name: w.originalName, shape: w.shape as number[], values: (await w.read().data()) as Float32Array })),
  );
  await writeFile(`${temp}/weights.bin`, concat(weights.map((w) => w.values)));
  const snapshot = await optimizer.snapshot();
  const slots = Object.entries(snapshot.slots);
  await writeFile(`${temp}/optimizer.bin`, concat(slots.flatMap(([, s]) => s.values.map((v) => Float32Array.from(v)))));
  await writeFile(
    `${temp}/checkpoint.json`,
    JSON.stringify(
      {
        state,
        weights: weights.map(({ name, shape }) => ({ name, shape })),
        optimizer: { step: snapshot.step, slots: slots.map(([name, s]) => ({ name, shape: s.shape, count: s.values.length })) },
      },
      null,
      1,
    ),
  );
}

export async function loadCheckpoint(dir: string, model: tfl.LayersModel, optimizer: Optimizer | null): Promise<CheckpointState> {
  const manifest = parseStored(checkpointManifestSchema, await readFile(`${dir}/checkpoint.json`, 'utf8'), `the checkpoint ${dir}/checkpoint.json`);
  const weightData = new Float32Array(toArrayBuffer(await readFile(`${dir}/weights.bin`)));
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  let offset = 0;
  for (const spec of manifest.weights) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const target = byName.get(spec.name);
    if (!target) throw new Error(`The checkpoint has weight ${spec.name}, which this model does not: was it saved by another model?`);
    // write() takes its own reference: the temporary tensor is released right away.
    const value = tf.tensor(weightData.subarray(offset, offset + size), spec.shape);
    target.write(value);
    value.dispose();
    offset += size;
  }
  if (optimizer) {
    const data = new Float32Array(toArrayBuffer(await readFile(`${dir}/optimizer.bin`)));
    const slots: OptimizerSnapshot['slots'] = {};
    let at = 0;
    for (const slot of manifest.optimizer.slots) {
      const size = slot.shape.reduce((a, b) => a * b, 1);
      slots[slot.name] = { shape: slot.shape, values: Array.from({ length: slot.count }, () => Array.from(data.subarray(at, (at += size)))) };
    }
    optimizer.restore({ step: manifest.optimizer.step, slots });
  }
  return manifest.state;
}

function concat(arrays: readonly Float32Array[]): Buffer {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return Buffer.from(out.buffer);
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}
