import type { ClassDef } from '../../src-shared/classes';
import { ApiError } from '../../src-shared/errors';
import { replicationRepeats } from '../../src-shared/recipes';
import type { ImageClassPixels } from '../../src-shared/recipes';
import type { RunConfig } from '../../src-shared/run-config';
import type { Statements } from '../db/statements';

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
