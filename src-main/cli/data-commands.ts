import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keptShares, mergeRequestSchema, mergeTarget, previewThresholds } from '../../src-shared/derived';
import type { MergePreview, MergeRequestInput, PseudoLabelSet } from '../../src-shared/derived';
import { defaultDuplicateThreshold } from '../../src-shared/duplicates';
import { ApiError } from '../../src-shared/errors';
import { openServices } from './open-services';
import { settle } from './progress';
import { findDataset, findRun } from './lookup';
import { readJsonFile } from './train';
import { z } from '../../src-shared/zod';
import { defaultSplit } from '../../src-shared/splits';
import type { SplitRequestInput } from '../../src-shared/splits';

/** A merge file: the merge request, with each source's dataset by name or id instead of datasetId. */
const mergeFileSchema = mergeRequestSchema.extend({
  sources: z
    .array(z.strictObject({ dataset: z.string().min(1), mapping: z.record(z.string(), mergeTarget).optional() }))
    .min(1)
    .max(16),
});

const pct = (v: number, total: number) => (total > 0 ? `${((v / total) * 100).toFixed(1)}%` : '-');
const out = (text: string) => void process.stdout.write(`${text}\n`);

function printMerge(preview: MergePreview): void {
  const before = preview.before.reduce((a, b) => a + b, 0);
  const after = preview.after.reduce((a, b) => a + b, 0);
  for (const s of preview.sources)
    out(`${s.name}: ${s.kept} of ${s.images} images kept (${s.droppedByClass} dropped by class, ${s.droppedByFilter} by filters)`);
  out(`${'class'.padEnd(20)} ${'before'.padStart(14)} ${'share'.padStart(7)} ${'after'.padStart(14)} ${'share'.padStart(7)}`);
  preview.classNames.forEach((c, i) =>
    out(
      `${c.padEnd(20)} ${String(preview.before[i]).padStart(14)} ${pct(preview.before[i]!, before).padStart(7)} ${String(preview.after[i]).padStart(14)} ${pct(preview.after[i]!, after).padStart(7)}`,
    ),
  );
}

/**
 * `segbench merge --config FILE [--preview] [--json]`: FILE is the merge as JSON, sources named by
 * dataset name or id: { "name", "classes": [{ "name", "color" }], "sources": [{ "dataset", "mapping" }], "filters" }.
 */
export async function mergeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, preview: { type: 'boolean' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  if (!values.config) throw new ApiError('VALIDATION', '--config FILE is required: the merge as JSON (see `segbench help`).');
  let spec: z.output<typeof mergeFileSchema>;
  try {
    spec = readJsonFile(values.config, mergeFileSchema);
  } catch (error) {
    throw new ApiError('VALIDATION', `Cannot read the merge file ${values.config}: ${(error as Error).message}`);
  }
  const services = openServices(values['data-dir']);
  try {
    const { api } = services;
    const sources = await Promise.all(spec.sources.map(async (s) => ({ datasetId: await findDataset(services, s.dataset), mapping: s.mapping ?? {} })));
    const request: MergeRequestInput = { ...spec, sources };
    const preview = await api.invoke('datasets:mergePreview', request);
    if (values.preview) {
      if (values.json) out(JSON.stringify(preview, null, 2));
      else printMerge(preview);
      return;
    }
    const created = await api.invoke('datasets:merge', request);
    await settle(services, 'merging');
    const detail = await api.invoke('datasets:get', { datasetId: created.id });
    if (values.json)
      out(
        JSON.stringify(
          { datasetId: detail.id, name: detail.name, state: detail.state, images: detail.indexedCount, problems: detail.problemCount, preview },
          null,
          2,
        ),
      );
    else {
      printMerge(preview);
      out(`Created "${detail.name}" (${detail.id}): ${detail.indexedCount} images, ${detail.state}.`);
    }
  } finally {
    await services.close();
  }
}

/** `segbench duplicates --dataset NAME [--threshold 0.97] [--resplit] [--json]` */
export async function duplicatesCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      threshold: { type: 'string' },
      resplit: { type: 'boolean' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.dataset) throw new ApiError('VALIDATION', '--dataset NAME is required.');
  const threshold = values.threshold === undefined ? defaultDuplicateThreshold : Number(values.threshold);
  const services = openServices(values['data-dir']);
  try {
    const { api } = services;
    const datasetId = await findDataset(services, values.dataset);
    await api.invoke('datasets:findDuplicates', { datasetId });
    await settle(services, 'hashing');
    if (values.resplit) {
      const config = (await api.invoke('datasets:get', { datasetId })).splitConfig ?? defaultSplit;
      await api.invoke('datasets:split', {
        datasetId,
        seed: config.seed,
        train: config.train,
        val: config.val,
        test: config.test,
        ...(config.groupPattern ? { groupPattern: config.groupPattern } : {}),
        duplicateThreshold: threshold,
      });
    }
    const report = await api.invoke('datasets:duplicates', { datasetId, threshold });
    if (values.json) {
      out(JSON.stringify(report, null, 2));
      return;
    }
    out(`${report.groups.length} group(s) of near-duplicates at similarity >= ${threshold} among ${report.hashed} images.`);
    report.groups.forEach((g, i) =>
      out(`  ${i + 1}. ${g.members.map((m) => `${m.stem} (${m.split ?? 'none'})`).join(', ')}  similarity ${g.minSimilarity.toFixed(3)}`),
    );
    out(
      `Leakage: ${report.leakage.groupsAcrossSplits} group(s) straddle the split; ${report.leakage.heldOutWithTrainTwin} of ${report.heldOutImages} validation/test images have a near-duplicate in training.`,
    );
  } finally {
    await services.close();
  }
}

/** `segbench pseudo --run ID --images DIR [--threshold 0.9 --name NAME] [--json]` */
export async function pseudoCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      run: { type: 'string' },
      images: { type: 'string' },
      threshold: { type: 'string' },
      name: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.run || !values.images) throw new ApiError('VALIDATION', '--run ID and --images DIR are required.');
  const services = openServices(values['data-dir']);
  try {
    const { api } = services;
    const started = await api.invoke('pseudo:start', { runId: await findRun(services, values.run), imagesDir: resolve(values.images) });
    await settle(services, 'predicting');
    await new Promise((done) => setImmediate(done));
    const set = (await api.invoke('pseudo:list', {})).find((s) => s.id === started.id) as PseudoLabelSet;
    if (set.status !== 'finished' || !set.histogram) throw new ApiError('ENGINE', `Predicting did not finish: ${set.reason ?? set.status}`);
    let saved: { id: string; name: string } | null = null;
    if (values.name) {
      const threshold = Number(values.threshold ?? '0.9');
      const created = await api.invoke('pseudo:save', { setId: set.id, threshold, name: values.name });
      await settle(services, 'writing masks');
      saved = { id: created.id, name: created.name };
    }
    if (values.json) {
      out(
        JSON.stringify(
          {
            setId: set.id,
            images: set.images,
            skipped: set.skipped,
            classNames: set.classNames,
            kept: Object.fromEntries(previewThresholds.map((t) => [t, keptShares(set.histogram!, t).kept])),
            dataset: saved,
          },
          null,
          2,
        ),
      );
      return;
    }
    out(`Pseudo-label set ${set.id}: ${set.images} images predicted${set.skipped.length ? `, ${set.skipped.length} skipped` : ''}. Kept share per class:`);
    out(`${'class'.padEnd(20)}${previewThresholds.map((t) => String(t).padStart(8)).join('')}`);
    const keptAt = previewThresholds.map((t) => keptShares(set.histogram!, t));
    set.classNames.forEach((c, i) => out(`${c.padEnd(20)}${keptAt.map((k) => pct(k.kept[i]!, k.predicted[i]!).padStart(8)).join('')}`));
    if (saved) out(`Saved as dataset "${saved.name}" (${saved.id}).`);
    else out('Save with --threshold T --name NAME.');
  } finally {
    await services.close();
  }
}

/**
 * `segbench split --dataset D (--from-folders | --from-lists DIR | --val-pattern RE [--test-pattern RE]
 * | --ratios 0.8,0.2[,0] [--group RE] [--seed N]) [--json]`: sets the dataset's split from one source.
 */
export async function splitCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      'from-folders': { type: 'boolean' },
      'from-lists': { type: 'string' },
      'val-pattern': { type: 'string' },
      'test-pattern': { type: 'string' },
      ratios: { type: 'string' },
      group: { type: 'string' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.dataset) throw new ApiError('VALIDATION', '--dataset NAME is required.');
  const sources = [
    values['from-folders'] && '--from-folders',
    values['from-lists'] && '--from-lists',
    values['val-pattern'] && '--val-pattern',
    values.ratios && '--ratios',
  ].filter(Boolean);
  if (sources.length !== 1) {
    throw new ApiError(
      'VALIDATION',
      `Give one split source${sources.length ? ` (got ${sources.join(' and ')})` : ''}: --from-folders, --from-lists DIR, --val-pattern RE [--test-pattern RE], or --ratios 0.8,0.2[,0] [--group RE] [--seed N].`,
    );
  }
  if (values['test-pattern'] && !values['val-pattern']) throw new ApiError('VALIDATION', '--test-pattern goes with --val-pattern.');
  if ((values.group || values.seed) && !values.ratios) throw new ApiError('VALIDATION', '--group and --seed go with --ratios (a random split).');
  let request: SplitRequestInput;
  if (values['from-folders']) request = { datasetId: '', from: 'folders' };
  else if (values['from-lists']) request = { datasetId: '', from: 'lists', listsDir: resolve(values['from-lists']) };
  else if (values['val-pattern'])
    request = { datasetId: '', from: 'patterns', valPattern: values['val-pattern'], ...(values['test-pattern'] && { testPattern: values['test-pattern'] }) };
  else {
    const parts = values.ratios!.split(',').map((v) => Number(v.trim()));
    if (parts.length < 2 || parts.length > 3 || parts.some((v) => !Number.isFinite(v))) {
      throw new ApiError('VALIDATION', `--ratios takes train,val[,test] shares that add up to 1, e.g. 0.8,0.2 or 0.7,0.2,0.1 (got "${values.ratios}").`);
    }
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    request = {
      datasetId: '',
      from: 'random',
      train: parts[0]!,
      val: parts[1]!,
      test: parts[2] ?? 0,
      ...(seed !== undefined && { seed }),
      ...(values.group && { groupPattern: values.group }),
    };
  }
  const services = openServices(values['data-dir']);
  try {
    const datasetId = await findDataset(services, values.dataset);
    const detail = await services.api.invoke('datasets:split', { ...request, datasetId });
    const { splitCounts: c, splitConfig } = detail;
    if (values.json) {
      out(JSON.stringify({ datasetId, name: detail.name, from: splitConfig?.from ?? 'random', counts: c, note: splitConfig?.note ?? null }, null, 2));
      return;
    }
    const source = { random: 'a seeded random draw', folders: 'the folders', lists: 'the list files', patterns: 'the name patterns' }[
      splitConfig?.from ?? 'random'
    ];
    out(`Split of "${detail.name}" from ${source}: train ${c.train} · val ${c.val} · test ${c.test}${c.none ? ` · unassigned ${c.none}` : ''}.`);
    if (splitConfig?.note) out(splitConfig.note);
  } finally {
    await services.close();
  }
}
