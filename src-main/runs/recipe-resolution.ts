import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassDef } from '../../src-shared/classes';
import { classMatrixProblem, defaultClassMatrix, externalTeacherSizeProblem, teacherInputProblem } from '../../src-shared/distill';
import type { Distill } from '../../src-shared/distill';
import { ApiError } from '../../src-shared/errors';
import { replicationRepeats } from '../../src-shared/recipes';
import type { ImageClassPixels } from '../../src-shared/recipes';
import type { RunConfig } from '../../src-shared/run-config';
import type { Statements } from '../db/statements';
import { storedClassNames, storedImported, storedRunConfig } from './run-queries';

/**
 * Turns the recipes' class names into what the engine uses: replication into repeats per
 * training image, minority crops into training labels. Unknown names are refused with the valid ones.
 */
export function resolveRecipes(config: RunConfig, datasetName: string, classes: ClassDef[], trainPositions: number[], images: () => ImageClassPixels[]): void {
  const positionsOf = (names: string[], what: string): number[] =>
    names.map((name) => {
      const position = classes.findIndex((c) => c.name === name);
      if (position < 0 || !trainPositions.includes(position)) {
        const valid = trainPositions.map((p) => classes[p]!.name).join(', ');
        throw new ApiError('VALIDATION', `${what}: "${name}" is not a class ${datasetName} trains on; valid: ${valid}.`);
      }
      return position;
    });
  if (config.replicate) {
    const positions = positionsOf(config.replicate.classes, 'replicate.classes');
    config.replicate = { ...config.replicate, repeats: replicationRepeats(images(), positions, config.replicate.minShare, config.replicate.times) };
  }
  if (config.minorityCrops) {
    const positions = positionsOf(config.minorityCrops.classes, 'minorityCrops.classes');
    config.minorityCrops = { ...config.minorityCrops, labels: positions.map((p) => trainPositions.indexOf(p)) };
  }
}

/** Pixels per class of each training image of a dataset, from the stored counts. */
export function trainClassPixels(statements: Statements, datasetId: string): ImageClassPixels[] {
  const byId = new Map<number, ImageClassPixels & { classPixels: number[] }>();
  for (const row of statements.trainClassPixels.all(datasetId)) {
    let image = byId.get(row.id);
    if (!image) byId.set(row.id, (image = { id: row.id, totalPixels: row.total, classPixels: [] }));
    if (row.class_index !== null) image.classPixels[row.class_index] = row.pixels ?? 0;
  }
  return [...byId.values()];
}

/**
 * Resolves a distillation teacher: a run that is not training, with a best checkpoint, the same
 * input size, and a class matrix (given, or identity by name) whose rows sum to 1.
 */
export function resolveDistill(statements: Statements, distill: Distill, inputSize: number, studentClasses: string[]): Distill {
  const row = statements.runById.get(distill.teacherRunId);
  if (!row) throw new ApiError('NOT_FOUND', `distill.teacherRunId: no run with id ${distill.teacherRunId}. Pick a finished run on the Runs page.`);
  if (row.status === 'queued' || row.status === 'running') {
    throw new ApiError('CONFLICT', `The teacher "${row.name}" is ${row.status}; distil from it once it has finished.`);
  }
  // An imported ONNX model teaches through ONNX Runtime; imported masks have no model to run on new crops.
  const external = storedImported(row)?.model ?? null;
  if (row.external && !external) {
    throw new ApiError(
      'VALIDATION',
      `The teacher "${row.name}" was imported (an ONNX model or predicted masks); a teacher runs inside training on tfjs, so it must be a run SegBench trained. Use the imported model's pseudo-labels (Inspect › Pseudo-labels) to learn from it instead.`,
    );
  }
  if (external) {
    if (!existsSync(external.file))
      throw new ApiError('VALIDATION', `The teacher "${row.name}" is an imported ONNX model whose file ${external.file} is missing.`);
    const sizeProblem = externalTeacherSizeProblem(external, inputSize, row.name);
    if (sizeProblem) throw new ApiError('VALIDATION', sizeProblem);
  } else if (!row.run_dir || !existsSync(join(row.run_dir, 'best', 'checkpoint.json'))) {
    throw new ApiError('VALIDATION', `The teacher "${row.name}" has no best checkpoint; it must finish at least one epoch.`);
  }
  const config = storedRunConfig(row);
  if (!external) {
    const sizeProblem = teacherInputProblem([null, config.inputSize, config.inputSize, 3], [null, inputSize, inputSize, 3]);
    if (sizeProblem) throw new ApiError('VALIDATION', sizeProblem);
  }
  const teacherClasses = storedClassNames(row);
  let matrix = distill.matrix;
  if (!matrix) {
    try {
      matrix = defaultClassMatrix(teacherClasses, studentClasses);
    } catch (error) {
      throw new ApiError('VALIDATION', `distill.matrix: ${(error as Error).message}.`);
    }
  }
  const problem = classMatrixProblem(matrix, teacherClasses, studentClasses);
  if (problem) throw new ApiError('VALIDATION', `distill.matrix: ${problem}`);
  return {
    ...distill,
    matrix,
    teacher: { runDir: row.run_dir ?? '', config: { ...config, distill: null }, classNames: teacherClasses, ...(external ? { external } : {}) },
  };
}
