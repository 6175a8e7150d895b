import { ApiError } from '../../src-shared/errors';
import { evaluationVariantSchema, ttaSchema } from '../../src-shared/evaluations';
import type { EvaluationJobParams, EvaluationRequest, EvaluationSummary } from '../../src-shared/evaluations';
import type { Job } from '../../src-shared/jobs';
import { iou, meanOf } from '../../src-shared/metrics';
import type { Db } from '../db/connection';
import type { Statements } from '../db/statements';
import type { JobService } from '../jobs/job-service';
import type { TypedJob } from '../jobs/job-service';
import type { EvaluationRow } from '../db/run-statements';
import { hasCheckpoint } from './run-queries';
import type { RunService } from './run-service';
import { parseStored, parseStoredOrNull } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';

const stringListSchema = z.array(z.string());

/**
 * Evaluation jobs over one or more runs of the same dataset and classes: each run plain and with
 * TTA, and their ensemble; the per-class counts of every variant are stored when the job ends.
 */
export class EvaluationService {
  constructor(private readonly options: { db: Db; statements: Statements; jobs: JobService; runs: Pick<RunService, 'trainParams'>; onChanged: () => void }) {
    options.jobs.handleKind('evaluate', { onEnd: (job) => this.store(job) });
  }

  start(request: EvaluationRequest): EvaluationSummary {
    const { statements, jobs } = this.options;
    const runIds = [...new Set(request.runIds)];
    const runs = runIds.map((id) => {
      const { row, train, external, predictedMasks } = this.options.runs.trainParams(id);
      if (!hasCheckpoint(train.runDir, request.checkpoint, external, predictedMasks)) {
        throw new ApiError('CONFLICT', `Run "${row.name}" has no ${request.checkpoint} checkpoint yet; it stores one after its first validated epoch.`);
      }
      return { row, train, external, predictedMasks };
    });
    const first = runs[0]!;
    for (const { row, train } of runs.slice(1)) {
      if (row.dataset_id !== first.row.dataset_id)
        throw new ApiError(
          'VALIDATION',
          `Runs "${first.row.name}" and "${row.name}" were trained on different datasets; evaluate runs of one dataset together.`,
        );
      if (JSON.stringify(train.classNames) !== JSON.stringify(first.train.classNames)) {
        throw new ApiError(
          'VALIDATION',
          `Runs "${first.row.name}" and "${row.name}" have different classes (${first.train.classNames.join(', ')} / ${train.classNames.join(', ')}); an ensemble needs the same classes.`,
        );
      }
      if (JSON.stringify(train.config.inputChannels) !== JSON.stringify(first.train.config.inputChannels)) {
        throw new ApiError(
          'VALIDATION',
          `Runs "${first.row.name}" and "${row.name}" take different input channels (bands and indices); an ensemble reads each image once, so its members must take the same channels.`,
        );
      }
    }
    const images = statements.splitImages.all(first.row.dataset_id ?? '', request.split);
    if (images.length === 0) throw new ApiError('VALIDATION', `The dataset of run "${first.row.name}" has no ${request.split} images.`);
    const params: EvaluationJobParams = {
      members: runs.map(({ row, train, external, predictedMasks }) => ({
        name: row.name,
        runDir: train.runDir,
        checkpoint: request.checkpoint,
        config: train.config,
        classNames: train.classNames,
        external,
        predictedMasks,
      })),
      labelMap: first.train.labelMap,
      items: images.map((i) => ({ imageId: i.id, imagePath: i.image_path, maskPath: i.mask_path })),
      tta: request.tta,
    };
    const job = jobs.enqueue('evaluate', params);
    const id = Number(
      statements.evaluationInsert.run(
        job.id,
        new Date().toISOString(),
        request.split,
        JSON.stringify(runIds),
        JSON.stringify(runs.map((r) => r.row.name)),
        JSON.stringify(first.train.classNames),
        request.tta ? JSON.stringify(request.tta) : null,
        images.length,
      ).lastInsertRowid,
    );
    this.options.onChanged();
    return this.get(id);
  }

  list(): EvaluationSummary[] {
    return this.options.statements.evaluationsAll.all().map((row) => this.summary(row));
  }

  get(id: number): EvaluationSummary {
    const row = this.options.statements.evaluationById.get(id);
    if (!row) throw new ApiError('NOT_FOUND', `No evaluation ${id}.`);
    return this.summary(row);
  }

  private store(job: TypedJob<'evaluate'>): void {
    if (job.status === 'finished' && job.result) {
      const result = job.result;
      this.options.statements.evaluationSetVariants.run(JSON.stringify(result.variants), job.id);
    }
    this.options.onChanged();
  }

  private summary(row: EvaluationRow): EvaluationSummary {
    let job: Job | null = null;
    try {
      job = this.options.jobs.get(row.job_id);
    } catch {
      job = null;
    }
    const what = `evaluation ${row.id}'s`;
    const variants = parseStoredOrNull(z.array(evaluationVariantSchema), row.variants || null, `${what} variants`) ?? [];
    return {
      id: row.id,
      createdAt: row.created_at,
      jobId: row.job_id,
      status: job?.status ?? 'failed',
      reason: job?.reason ?? null,
      split: row.split,
      runIds: parseStored(stringListSchema, row.run_ids, `${what} run ids`),
      runNames: parseStored(stringListSchema, row.run_names, `${what} run names`),
      classNames: parseStored(stringListSchema, row.class_names, `${what} class names`),
      tta: parseStoredOrNull(ttaSchema, row.tta || null, `${what} TTA options`),
      images: row.images,
      variants: variants.map((v) => {
        const classIou = v.counts.map((c) => iou(c));
        return { name: v.name, classIou, miou: meanOf(classIou) };
      }),
    };
  }
}
