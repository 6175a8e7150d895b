import { parseArgs } from 'node:util';
import { ApiError } from '../../src-shared/errors';
import {
  labelErrorPlanText,
  labelErrorScores,
  scoreTitles,
  strengthAdvice,
  strengthClassFigures,
  strengthNotes,
  strengthSummary,
} from '../../src-shared/label-errors';
import type { LabelCheckSummary, LabelErrorScore } from '../../src-shared/label-errors';
import { openServices } from './open-services';
import { findDataset, findRun } from './lookup';
import { settle } from './progress';

const out = (text: string) => void process.stdout.write(`${text}\n`);
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/**
 * `segbench label-errors --dataset NAME [--folds 4] [--epochs N] [--size S] [--config-from RUN |
 * --reuse-run RUN] [--seed N] [--score S] [--top 20] [--json]`, or `--resume CHECK`: runs a
 * label-error check with progress and prints the worst images (the queue the app shows).
 */
export async function labelErrorsCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      folds: { type: 'string' },
      epochs: { type: 'string' },
      size: { type: 'string' },
      'config-from': { type: 'string' },
      'reuse-run': { type: 'string' },
      seed: { type: 'string' },
      resume: { type: 'string' },
      score: { type: 'string' },
      top: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const score = (values.score ?? 'softmin') as LabelErrorScore;
  if (!labelErrorScores.includes(score)) throw new ApiError('VALIDATION', `--score must be one of ${labelErrorScores.join(', ')}; got "${values.score}".`);
  const top = values.top === undefined ? 20 : Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new ApiError('VALIDATION', `--top must be a whole number of at least 1; got "${values.top}".`);
  if (!values.dataset && !values.resume) throw new ApiError('VALIDATION', '--dataset NAME (or --resume CHECK) is required.');
  const number = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n)) throw new ApiError('VALIDATION', `--${name} must be a whole number; got "${text}".`);
    return n;
  };
  const services = openServices(values['data-dir']);
  try {
    const { api } = services;
    let check: LabelCheckSummary;
    if (values.resume) {
      check = await api.invoke('labelErrors:resume', { checkId: number('resume', values.resume)! });
    } else {
      const folds = number('folds', values.folds);
      const epochs = number('epochs', values.epochs);
      const inputSize = number('size', values.size);
      const seed = number('seed', values.seed);
      check = await api.invoke('labelErrors:start', {
        datasetId: await findDataset(services, values.dataset!),
        ...(folds !== undefined && { folds }),
        ...(epochs !== undefined && { epochs }),
        ...(inputSize !== undefined && { inputSize }),
        ...(seed !== undefined && { seed }),
        ...(values['config-from'] && { configFromRun: await findRun(services, values['config-from']) }),
        ...(values['reuse-run'] && { reuseRun: await findRun(services, values['reuse-run']) }),
      });
    }
    // The plan on stderr, like the progress, so that --json output on stdout stays clean.
    if (check.plan) process.stderr.write(`Label check #${check.id}: ${labelErrorPlanText(check.plan)}\n`);
    await settle(services, `label check #${check.id}`);
    const job = services.jobs.get(check.jobId);
    if (job.status !== 'finished') {
      throw new ApiError(
        'ENGINE',
        `Label check #${check.id} ended ${job.status}${job.reason ? `: ${job.reason}` : ''}. Its finished folds are kept: segbench label-errors --resume ${check.id}`,
      );
    }
    const queue = await api.invoke('labelErrors:queue', { checkId: check.id, score, limit: top });
    if (values.json) {
      // The strength gate's figures are in check.strength; its verdicts in words beside them.
      out(
        JSON.stringify(
          { ...queue, strengthNotes: queue.check.strength ? { ...strengthNotes(queue.check.strength, queue.check.classNames), advice: strengthAdvice } : null },
          null,
          2,
        ),
      );
      return;
    }
    const names = queue.check.classNames;
    out(`Label check #${check.id}: ${queue.check.images} images, ${queue.check.folds > 0 ? `${queue.check.folds} fold models` : 'one run'}.`);
    out(`Class thresholds (mean self-confidence): ${names.map((n, i) => `${n} ${queue.check.thresholds![i]?.toFixed(2) ?? '-'}`).join(', ')}`);
    const strength = queue.check.strength;
    if (strength) {
      out(
        `Fold models: ${strengthSummary(strength)}. Per class, self-confidence / on other classes' pixels / pixel share: ${strengthClassFigures(strength, names).join(', ')}`,
      );
      const notes = strengthNotes(strength, names);
      if (notes.overall) out(`WARNING ${notes.overall}`);
      for (const note of notes.classes) out(`WARNING ${note.text}`);
      if (notes.overall || notes.classes.length > 0) out(strengthAdvice);
    }
    out(`Worst ${Math.min(top, queue.total)} of ${queue.total} by ${scoreTitles[score]}:`);
    out(
      `${'#'.padStart(4)}  ${'image'.padEnd(32)}${'softmin'.padStart(9)}${'below'.padStart(8)}${'disagree'.padStart(10)}${'flagged'.padStart(9)}  labelled -> looks like`,
    );
    queue.items.forEach((item, i) => {
      const pairs = item.topPairs.map((p) => `${names[p.given]} -> ${names[p.predicted]} ${pct(p.pixels / Math.max(1, item.labelled))}`).join(', ');
      out(
        `${String(i + 1).padStart(4)}  ${item.stem.padEnd(32)}${(item.softmin?.toFixed(3) ?? '-').padStart(9)}${pct(item.belowShare).padStart(8)}${pct(item.disagreement).padStart(10)}${pct(item.flagged / Math.max(1, item.labelled)).padStart(9)}  ${pairs || '-'}${item.stale ? ' (stale)' : ''}`,
      );
    });
    out("Review them on the dataset's Label errors tab (segbench start): the suspect regions are outlined, A accepts the prediction there.");
  } finally {
    await services.close();
  }
}
