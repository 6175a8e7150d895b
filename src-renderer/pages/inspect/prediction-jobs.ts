import type { Job } from '../../../src-shared/jobs';
import { isLiveJob, jobsAhead, queuedText } from '../../../src-shared/jobs';
import { runIdOfDir } from '../../../src-shared/job-titles';
import type { PredictResult } from '../../../src-shared/training';
import { count } from '../../../src-shared/words';

/** Where Inspect's stored predictions of the validation split go: `<runDir>/predictions/val[-tta]` (PredictionService.predictSplit). */
const variantFolders = { plain: 'val', tta: 'val-tta' } as const;

/**
 * The queued or running job predicting one run's validation images for Inspect, plain or with flip
 * TTA: matched by the run's folder and the variant's output folder in the job's params, so
 * another run's prediction, or the other variant, never counts.
 */
export function splitPredictionJob(jobs: readonly Job[], runId: string, variant: 'plain' | 'tta'): Job | undefined {
  return jobs.find((job) => {
    if (job.kind !== 'predict' || !isLiveJob(job)) return false;
    const params = (job.params ?? {}) as { runDir?: unknown; outDir?: unknown };
    if (runIdOfDir(params.runDir) !== runId || typeof params.outDir !== 'string') return false;
    const parts = params.outDir.split(/[\\/]/).filter(Boolean);
    return parts.at(-2) === 'predictions' && parts.at(-1) === variantFolders[variant];
  });
}

/** A Predict button's words: its own job's state while it has one, else what a click does. */
export function predictButtonText(job: Job | undefined, jobs: readonly Job[], words: { idle: string; running: string }): string {
  if (job?.status === 'queued') return queuedText(jobsAhead(job, jobs), 'capital');
  if (job?.status === 'running')
    return job.progress && job.progress.total > 0 ? `${words.running} ${job.progress.done} / ${job.progress.total}` : words.running;
  return words.idle;
}

/** A folder prediction as started from Inspect: its job, how many images, where to, and which files. */
export interface FolderPrediction {
  jobId: string;
  images: number;
  outDir: string;
  /** The files written per image, in words. */
  files: string;
}

/**
 * What the folder prediction's line says, from its job as it is now: queued with its place in the
 * queue, predicting, predicted (with what was skipped), failed or stopped. Never "Predicting" once
 * the job has ended.
 */
export function folderPredictionText(started: FolderPrediction, job: Job | undefined, jobs: readonly Job[]): string {
  const what = `${count(started.images, 'image')} into ${started.outDir}: ${started.files}`;
  // The job list hears of a new job a moment after the request answers: it is queued until then.
  if (!job || job.status === 'queued') return `${job ? queuedText(jobsAhead(job, jobs), 'capital') : 'Queued'}: will predict ${what}.`;
  if (job.status === 'running') return `Predicting ${what}; stop it in Settings › Engine.`;
  if (job.status === 'finished') {
    const result = job.result as PredictResult | null;
    const written = result?.written ?? started.images;
    const skipped = result?.skipped ?? [];
    return `Predicted ${count(written, 'image')} into ${started.outDir}: ${started.files}${skipped.length > 0 ? `; ${skipped.length} skipped (${skipped[0]!.message})` : ''}.`;
  }
  if (job.status === 'failed') return `Predicting into ${started.outDir} failed: ${job.reason ?? 'no reason given'}.`;
  return `Stopped before the end: the images predicted by then are in ${started.outDir}.`;
}
