import { basename, extname, isAbsolute, join } from 'node:path';
import type { ClassDef } from '../../src-shared/classes';
import { confidenceLevels, keptShares } from '../../src-shared/derived';
import type { PseudoLabelSet, pseudoSaveSchema, pseudoStartSchema } from '../../src-shared/derived';
import type { DatasetSummary } from '../../src-shared/datasets';
import { ApiError } from '../../src-shared/errors';
import { parseStored, parseStoredOrNull } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import type { Db } from '../db/connection';
import type { Statements } from '../db/statements';
import { parseClasses } from '../datasets/dataset-queries';
import type { DerivedService } from '../datasets/derived-service';
import type { JobService } from '../jobs/job-service';
import { listImageFiles } from './prediction-service';
import type { PredictionService } from './prediction-service';
import type { RunService } from '../runs/run-service';
import type { PseudoSetRow } from '../db/inspect-statements';
import { hasCheckpoint } from '../runs/run-queries';

type SetRow = PseudoSetRow;

/** The stored columns of a pseudo-label set, as start() writes them when its prediction ends. */
const storedImagesSchema = z.array(z.object({ stem: z.string(), imagePath: z.string() }));
const storedHistogramSchema = z.array(z.array(z.number()));
const storedSkippedSchema = z.array(z.object({ image: z.string(), message: z.string() }));

const fallbackColours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/**
 * Pseudo-labels: a run predicts a folder of unlabelled images, keeping per pixel the class and its
 * probability (1% levels); the kept share per class at any threshold comes from the stored
 * histogram without predicting again; saving makes a dataset whose masks keep the confident
 * pixels and mark the rest ignore.
 */
export class PseudoLabelService {
  constructor(
    private readonly options: {
      db: Db;
      statements: Statements;
      jobs: JobService;
      runs: RunService;
      predictions: PredictionService;
      derived: DerivedService;
      dataDir: string;
      onChanged: () => void;
    },
  ) {}

  /** The request was parsed at the API boundary (the dispatcher), with pseudoStartSchema. */
  start(request: z.output<typeof pseudoStartSchema>): PseudoLabelSet {
    if (!isAbsolute(request.imagesDir)) throw new ApiError('VALIDATION', 'The images folder must be an absolute path.');
    const { row, train, external, predictedMasks } = this.options.runs.trainParams(request.runId);
    if (predictedMasks)
      throw new ApiError(
        'VALIDATION',
        `Run "${row.name}" is a folder of predicted masks; pseudo-labels need a model to predict new images. Import the model itself (import-model), or a SegBench run.`,
      );
    if (!hasCheckpoint(train.runDir, request.checkpoint, external)) {
      throw new ApiError('CONFLICT', `Run "${row.name}" has no ${request.checkpoint} checkpoint yet; it stores one after its first validated epoch.`);
    }
    const paths = listImageFiles(request.imagesDir);
    const names: string[] = [];
    for (const path of paths) {
      const stem = basename(path, extname(path));
      let name = stem;
      for (let k = 2; names.includes(name); k += 1) name = `${stem}_${k}`;
      names.push(name);
    }
    const id = Number(
      this.options.statements.pseudoSetInsert.run(request.runId, request.imagesDir, '', '', JSON.stringify(train.classNames), new Date().toISOString())
        .lastInsertRowid,
    );
    const outDir = join(this.options.dataDir, 'pseudo', String(id));
    const job = this.options.predictions.predict(request.runId, paths, outDir, request.checkpoint, names, { confidence: true });
    this.options.statements.pseudoSetStarted.run(outDir, job.id, id);
    void this.options.jobs.whenDoneOf('predict', job.id).then((done) => {
      if (done.status === 'finished' && done.result) {
        const result = done.result;
        const written = new Set(result.names ?? []);
        const images = names.map((stem, i) => ({ stem, imagePath: paths[i]! })).filter((image) => written.has(image.stem));
        this.options.statements.pseudoSetResult.run(JSON.stringify(result.histogram ?? []), JSON.stringify(images), JSON.stringify(result.skipped), id);
      }
      this.options.onChanged();
    });
    this.options.onChanged();
    return this.get(id);
  }

  list(): PseudoLabelSet[] {
    return this.rows().map((row) => this.toSet(row));
  }

  get(id: number): PseudoLabelSet {
    const row = this.rows(id)[0];
    if (!row) throw new ApiError('NOT_FOUND', `No pseudo-label set ${id}.`);
    return this.toSet(row);
  }

  /** Saves a finished set at a threshold as a new dataset (all images in the training split). */
  save(request: z.output<typeof pseudoSaveSchema>): DatasetSummary {
    const set = this.get(request.setId);
    const row = this.rows(request.setId)[0]!;
    if (set.status !== 'finished' || !set.histogram || !row.images) {
      throw new ApiError(
        'CONFLICT',
        `Pseudo-label set ${set.id} has ${set.status === 'failed' ? `failed (${set.reason ?? 'see the job'})` : 'not finished predicting yet'}; nothing to save.`,
      );
    }
    const { kept, predicted } = keptShares(set.histogram, request.threshold);
    if (kept.every((k) => k === 0)) {
      const top =
        set.histogram.reduce(
          (best, levels) =>
            Math.max(
              best,
              levels.findLastIndex((n) => n > 0),
            ),
          0,
        ) / confidenceLevels;
      throw new ApiError(
        'VALIDATION',
        `No pixel reaches a confidence of ${request.threshold}: the most confident pixels are at ${top.toFixed(2)}. Lower the threshold.`,
      );
    }
    const images = parseStored(storedImagesSchema, row.images, `pseudo-label set ${row.id}'s images`);
    const runDataset = this.options.runs.trainParams(set.runId).row.dataset_id;
    const source = runDataset ? this.options.statements.datasetById.get(runDataset) : undefined;
    const colourOf = new Map((source ? parseClasses(source.classes) : []).map((c) => [c.name, c.color]));
    const classes: ClassDef[] = set.classNames.map((name, i) => ({
      name,
      color: colourOf.get(name) ?? fallbackColours[i % fallbackColours.length]!,
      values: [i],
      ignore: false,
    }));
    const minLevel = Math.round(request.threshold * confidenceLevels);
    return this.options.derived.create(
      request.name,
      {
        kind: 'pseudo',
        setId: set.id,
        runId: set.runId,
        threshold: request.threshold,
        keptPixels: kept.reduce((a, b) => a + b, 0),
        predictedPixels: predicted.reduce((a, b) => a + b, 0),
      },
      classes,
      images.map((image) => ({
        stem: image.stem,
        imagePath: image.imagePath,
        split: 'train',
        derive: {
          kind: 'confidence',
          labels: join(row.out_dir, `${image.stem}_index.png`),
          confidence: join(row.out_dir, `${image.stem}_confidence.png`),
          minLevel,
        },
      })),
    );
  }

  private rows(id?: number): SetRow[] {
    return id === undefined ? this.options.statements.pseudoSetsAll.all() : this.options.statements.pseudoSetById.all(id);
  }

  private toSet(row: SetRow): PseudoLabelSet {
    let status: PseudoLabelSet['status'] = 'running';
    let reason: string | null = null;
    try {
      const job = this.options.jobs.get(row.job_id);
      if (job.status === 'failed' || job.status === 'cancelled') {
        status = 'failed';
        reason = job.reason ?? job.status;
      } else if (job.status === 'finished') status = row.histogram ? 'finished' : 'running';
    } catch {
      status = row.histogram ? 'finished' : 'failed';
    }
    // Only the count is shown here: a light parse, the full one is save()'s.
    const images = parseStoredOrNull(z.array(z.unknown()), row.images || null, `pseudo-label set ${row.id}'s images`)?.length ?? 0;
    return {
      id: row.id,
      runId: row.run_id,
      runName: row.run_name ?? row.run_id,
      imagesDir: row.images_dir,
      jobId: row.job_id,
      status,
      reason,
      classNames: parseStored(z.array(z.string()), row.class_names, `pseudo-label set ${row.id}'s class names`),
      histogram: parseStoredOrNull(storedHistogramSchema, row.histogram || null, `pseudo-label set ${row.id}'s histogram`),
      images,
      skipped: parseStored(storedSkippedSchema, row.skipped, `pseudo-label set ${row.id}'s skipped images`),
      createdAt: row.created_at,
    };
  }
}
