import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ignoreLabel } from '../../src-shared/class-weights';
import type { ClassDef } from '../../src-shared/classes';
import { resolveMapping } from '../../src-shared/derived';
import type { DeriveItem, DeriveJobParams, MergePreview, MergeRequest } from '../../src-shared/derived';
import type { DatasetSummary } from '../../src-shared/datasets';
import { ApiError } from '../../src-shared/errors';
import type { SplitName } from '../../src-shared/splits';
import type { Db } from '../db/connection';
import type { Statements } from '../db/statements';
import type { JobService } from '../jobs/job-service';
import { datasetSummary, parseClasses } from './dataset-queries';
import type { DatasetService } from './dataset-service';
import type { TypedJob } from '../jobs/job-service';
import { defaultSplit } from '../../src-shared/splits';

interface DerivedServiceOptions {
  db: Db;
  statements: Statements;
  jobs: JobService;
  datasets: DatasetService;
  dataDir: string;
  onChanged: (datasetId: string) => void;
}

/** One image of a derived dataset: the source image file, the mask SegBench writes for it, and how. */
interface DerivedImage {
  stem: string;
  imagePath: string;
  split: SplitName | null;
  derive: { kind: 'remap'; mask: string; labelMap: [number, number][] } | { kind: 'confidence'; labels: string; confidence: string; minLevel: number };
}

interface SourceImage {
  id: number;
  stem: string;
  split: SplitName | null;
  image_path: string;
  mask_path: string;
  total: number;
  classPixels: Map<number, number>;
}

/**
 * Datasets made from other data: merges of datasets through a class mapping, and pseudo-labels.
 * The new dataset's images refer to the sources' image files; its masks are written by a `derive`
 * engine job into `<dataDir>/derived/<dataset>/`, then indexed like any dataset.
 */
export class DerivedService {
  constructor(private readonly options: DerivedServiceOptions) {
    options.jobs.handleKind('derive', {
      onEnd: (job) => this.settle(job),
    });
  }

  derivedDir(datasetId: string): string {
    return join(this.options.dataDir, 'derived', datasetId);
  }

  /** The class distribution before and after a merge, and what each source contributes. */
  mergePreview(input: MergeRequest): MergePreview {
    return this.planMerge(input).preview;
  }

  merge(input: MergeRequest): DatasetSummary {
    const plan = this.planMerge(input);
    const { preview, request } = plan;
    if (preview.emptyClasses.length > 0) {
      throw new ApiError(
        'VALIDATION',
        `The merge would leave ${preview.emptyClasses.map((c) => `"${c}"`).join(', ')} with no pixels. Map a source class to ${preview.emptyClasses.length > 1 ? 'them' : 'it'}, loosen the filters, or remove ${preview.emptyClasses.length > 1 ? 'those classes' : 'that class'}.`,
      );
    }
    const images = plan.kept.map(({ source, image, labelMap }): DerivedImage => ({
      stem: `${slug(source.name)}__${image.stem}`,
      imagePath: image.image_path,
      split: image.split,
      derive: { kind: 'remap', mask: image.mask_path, labelMap },
    }));
    const classes = request.classes.map((c, i): ClassDef => ({ name: c.name, color: c.color, values: [i], ignore: false }));
    return this.create(request.name, { kind: 'merge', request }, classes, images);
  }

  /** The request was parsed at the API boundary (the dispatcher), with mergeRequestSchema. */
  private planMerge(request: MergeRequest) {
    const { statements } = this.options;
    const targets = request.classes.map((c) => c.name);
    const duplicateTarget = targets.find((t, i) => targets.indexOf(t) !== i);
    if (duplicateTarget) throw new ApiError('VALIDATION', `Target class "${duplicateTarget}" is listed twice; class names must be unique.`);
    const problems: string[] = [];
    for (const filter of request.filters) {
      if (!targets.includes(filter.className)) problems.push(`filter class "${filter.className}" is not a target class (${targets.join(', ')})`);
    }
    const seen = new Set<string>();
    const before = targets.map(() => 0);
    const after = targets.map(() => 0);
    let ignoredAfter = 0;
    const kept: { source: { name: string }; image: SourceImage; labelMap: [number, number][] }[] = [];
    const sources: MergePreview['sources'] = [];
    for (const source of request.sources) {
      const dataset = statements.datasetById.get(source.datasetId);
      if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${source.datasetId}.`);
      if (seen.has(dataset.id)) throw new ApiError('VALIDATION', `"${dataset.name}" is listed twice as a source.`);
      seen.add(dataset.id);
      if (dataset.state === 'indexing') throw new ApiError('CONFLICT', `"${dataset.name}" is still being indexed; merge it once it is ready.`);
      const classes = parseClasses(dataset.classes);
      const resolved = resolveMapping(classes, source.mapping, targets, dataset.name);
      for (const problem of resolved.problems) problems.push(problem);
      const labelMap: [number, number][] = classes.flatMap((c, position) => {
        const to = resolved.targets[position];
        return typeof to === 'number' ? c.values.map((v): [number, number] => [v, to]) : [];
      });
      const summary = {
        datasetId: dataset.id,
        name: dataset.name,
        images: 0,
        kept: 0,
        droppedByClass: 0,
        droppedByFilter: 0,
        mapping: classes.map((c, p) => ({ from: c.name, to: describeTarget(resolved.targets[p]!, targets) })),
      };
      for (const image of this.sourceImages(dataset.id)) {
        summary.images += 1;
        const mapped = targets.map(() => 0);
        let dropped = false;
        for (const [position, pixels] of image.classPixels) {
          const to = resolved.targets[position];
          if (to === 'drop' && pixels > 0) dropped = true;
          else if (typeof to === 'number') mapped[to]! += pixels;
        }
        mapped.forEach((p, t) => (before[t]! += p));
        if (dropped) {
          summary.droppedByClass += 1;
          continue;
        }
        const filtered = request.filters.some((f) => image.total > 0 && (mapped[targets.indexOf(f.className)] ?? 0) / image.total > f.maxShare);
        if (filtered) {
          summary.droppedByFilter += 1;
          continue;
        }
        summary.kept += 1;
        mapped.forEach((p, t) => (after[t]! += p));
        ignoredAfter += image.total - mapped.reduce((a, b) => a + b, 0);
        kept.push({ source: dataset, image, labelMap });
      }
      sources.push(summary);
    }
    if (problems.length > 0) throw new ApiError('VALIDATION', `The merge cannot be made: ${problems.join('; ')}.`);
    const preview: MergePreview = { classNames: targets, before, after, ignoredAfter, sources, emptyClasses: targets.filter((_, t) => after[t] === 0) };
    return { request, preview, kept };
  }

  private sourceImages(datasetId: string): SourceImage[] {
    const rows = this.options.statements.mergeSourceImages.all(datasetId).map((row) => ({ ...row, split: row.split as SplitName | null }));
    const byId = new Map<number, SourceImage>();
    for (const row of rows) {
      let image = byId.get(row.id);
      if (!image)
        byId.set(
          row.id,
          (image = {
            id: row.id,
            stem: row.stem,
            split: row.split,
            image_path: row.image_path,
            mask_path: row.mask_path,
            total: row.total,
            classPixels: new Map(),
          }),
        );
      if (row.class_index !== null) image.classPixels.set(row.class_index, row.pixels ?? 0);
    }
    return [...byId.values()];
  }

  /**
   * Writes the dataset rows (classes, images with their splits) in one transaction, then queues
   * the `derive` job for the masks; indexing follows when it ends.
   */
  create(name: string, origin: unknown, classes: ClassDef[], images: DerivedImage[]): DatasetSummary {
    const { statements, db } = this.options;
    if (statements.datasetByName.get(name)) throw new ApiError('CONFLICT', `A dataset named "${name}" already exists. Choose another name.`);
    if (images.length === 0) throw new ApiError('VALIDATION', 'No image would be in the new dataset.');
    const stems = new Set<string>();
    const id = randomUUID();
    const dir = this.derivedDir(id);
    const allClasses: ClassDef[] = [...classes, { name: 'Ignore', color: '#000000', values: [ignoreLabel], ignore: true }];
    const counts = { train: 0, val: 0, test: 0 };
    const items: DeriveItem[] = [];
    db.transaction(() => {
      statements.datasetInsert.run({ id, name, images_dir: dir, masks_dir: dir, preset: 'none', pairing: '{}', created_at: new Date().toISOString() });
      statements.datasetSetOrigin.run(JSON.stringify(origin), id);
      statements.datasetSetClasses.run({ id, classes: JSON.stringify(allClasses), mask_kind: 'index' });
      for (const image of images) {
        let stem = image.stem;
        for (let k = 2; stems.has(stem); k += 1) stem = `${image.stem}_${k}`;
        stems.add(stem);
        // A stem from nested folders (train/a) names a file in one folder here.
        const out = join(dir, `${stem.replaceAll('/', '__')}.png`);
        const imageId = Number(statements.imageInsert.run({ dataset_id: id, stem, image_path: image.imagePath, mask_path: out }).lastInsertRowid);
        const split = image.split ?? 'train';
        statements.imageSetSplit.run({ id: imageId, split });
        counts[split] += 1;
        items.push({ imageId, out, ...image.derive });
      }
      const total = images.length;
      // Splits come from the sources; with no validation image the default split is made after indexing.
      if (counts.val > 0 || counts.train === total) {
        statements.datasetSetSplitConfig.run({
          id,
          split_config: JSON.stringify({ seed: defaultSplit.seed, train: counts.train / total, val: counts.val / total, test: counts.test / total }),
        });
      }
    })();
    const params: DeriveJobParams = { datasetId: id, items };
    const job = this.options.jobs.enqueue('derive', params);
    statements.datasetSetJob.run({ id, index_job_id: job.id, state: 'indexing' });
    this.options.onChanged(id);
    return datasetSummary(statements, this.options.datasets.row(id));
  }

  private settle(job: TypedJob<'derive'>): void {
    const datasetId = job.params.datasetId;
    if (!this.options.statements.datasetById.get(datasetId)) return;
    // Masks that were not written show up as problems of the index job (mask not found).
    this.options.datasets.indexPending(datasetId);
  }

  /** Removes the masks SegBench wrote for a derived dataset (its source files stay untouched). */
  removeFiles(datasetId: string): void {
    rmSync(this.derivedDir(datasetId), { recursive: true, force: true });
  }
}

function describeTarget(to: number | 'ignore' | 'drop', targets: readonly string[]): string {
  return typeof to === 'number' ? targets[to]! : to;
}

function slug(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'source'
  );
}
