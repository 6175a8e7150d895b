import { indexFormula } from './bands';
import type { IndexChannel } from './bands';
import { runConfigDefaults as defaults } from './run-config';

/**
 * A run's config as people read it: grouped, under the names the launch form uses, values in
 * their units (shares as percentages, booleans as on/off, classes by name), each marked when it
 * differs from the default. Compare's config diff and the run page both read it from here.
 */
interface ConfigRow {
  group: string;
  /** The dot path in the config ('optimizer.lr'). */
  key: string;
  label: string;
  value: string;
  isDefault: boolean;
}

type Format = 'percent' | 'plain';
const fields: [group: string, key: string, label: string, format?: Format][] = [
  ['Model', 'model', 'Model'],
  ['Model', 'modelOptions.depth', 'U-Net depth'],
  ['Model', 'modelOptions.width', 'Width'],
  ['Model', 'modelOptions.alpha', 'MobileNet width (alpha)'],
  ['Model', 'modelOptions.encoder', 'Encoder'],
  ['Model', 'encoderWeights', 'Encoder weights'],
  ['Model', 'encoderWeightsFile.name', 'Encoder weights file'],
  ['Model', 'encoderWeightsFile.sha256', 'Encoder weights sha256'],
  ['Model', 'encoderFreezeEpochs', 'Freeze the encoder for (epochs)'],
  ['Model', 'encoderLrFactor', 'Encoder learning rate factor'],
  ['Model', 'inputNormalization', 'Input normalisation'],
  ['Model', 'pretrainedWeights', 'Pretrained weights'],
  ['Model', 'inputChannels.bands', 'Input bands'],
  ['Model', 'inputChannels.indices', 'Index channels'],
  ['Training', 'inputSize', 'Input size (px)'],
  ['Training', 'batchSize', 'Batch'],
  ['Training', 'epochs', 'Epochs'],
  ['Training', 'stepsPerEpoch', 'Steps per epoch'],
  ['Training', 'accumulate', 'Accumulate batches'],
  ['Training', 'gradClipNorm', 'Gradient clip norm'],
  ['Training', 'earlyStoppingPatience', 'Early stopping patience (epochs)'],
  ['Training', 'seed', 'Seed'],
  ['Loss', 'loss.name', 'Loss'],
  ['Loss', 'loss.classWeights', 'Class weights'],
  ['Loss', 'loss.labelSmoothing', 'Label smoothing'],
  ['Loss', 'loss.focalGamma', 'Focal gamma'],
  ['Optimizer', 'optimizer.name', 'Optimizer'],
  ['Optimizer', 'optimizer.lr', 'Learning rate'],
  ['Optimizer', 'optimizer.weightDecay', 'Weight decay'],
  ['Optimizer', 'optimizer.momentum', 'Momentum'],
  ['Optimizer', 'schedule.name', 'Schedule'],
  ['Optimizer', 'schedule.warmupEpochs', 'Warm-up epochs'],
  ['Optimizer', 'schedule.stepEvery', 'Step every (epochs)'],
  ['Optimizer', 'schedule.gamma', 'Step factor'],
  ['Optimizer', 'schedule.minLr', 'Minimum learning rate'],
  ['Optimizer', 'schedule.patience', 'Plateau patience (epochs)'],
  ['Augmentation', 'augment.flips', 'Flips'],
  ['Augmentation', 'augment.rot90', 'Rotate by 90°'],
  ['Augmentation', 'augment.scaleMin', 'Scale from'],
  ['Augmentation', 'augment.scaleMax', 'Scale to'],
  ['Augmentation', 'augment.colorJitter', 'Colour jitter'],
  ['Recipes', 'sampler.kind', 'Sampler'],
  ['Recipes', 'sampler.weightsFromRun', 'Hard-sample weights from run'],
  ['Recipes', 'sampler.weights', 'Hard-sample weights'],
  ['Recipes', 'sampler.samplesPerEpoch', 'Draws per epoch'],
  ['Recipes', 'replicate.classes', 'Repeat images rich in'],
  ['Recipes', 'replicate.minShare', 'Repeat when the class covers at least', 'percent'],
  ['Recipes', 'replicate.times', 'Repeat times'],
  ['Recipes', 'replicate.repeats', 'Repeated images'],
  ['Recipes', 'minorityCrops.classes', 'Centre crops on pixels of'],
  ['Recipes', 'minorityCrops.share', 'Share of centred crops', 'percent'],
  ['Recipes', 'distill.teacherRunId', 'Teacher run'],
  ['Recipes', 'distill.alpha', 'Distillation weight (alpha)'],
  ['Recipes', 'distill.temperature', 'Distillation temperature'],
  ['Recipes', 'distill.matrix', 'Teacher-to-student class matrix'],
  ['Validation and system', 'validationOverlap', 'Validation window overlap', 'percent'],
  ['Validation and system', 'validateEvery', 'Validate every (epochs)'],
  ['Validation and system', 'validationSubset.share', 'Validation subset share', 'percent'],
  ['Validation and system', 'validationSubset.max', 'Validation subset at most (images)'],
  ['Validation and system', 'inferenceBatch', 'Windows per inference pass'],
  ['Validation and system', 'backend', 'Backend'],
  ['Validation and system', 'cacheMiB', 'Image cache (MiB)'],
];
export const configGroups = [...new Set(fields.map(([group]) => group))];

/** Paths the launch resolves for the engine (label indices, the teacher's model): never shown. */
const resolvedPaths = ['minorityCrops.labels', 'distill.teacher'];
/** Per-image maps: shown as how many images they cover. */
const perImageMaps = new Set(['sampler.weights', 'replicate.repeats']);
/** Recipe groups that are off (null) show as one row saying so. */
const optionalGroups: Record<string, string> = {
  replicate: 'Repeat images rich in',
  minorityCrops: 'Centre crops on pixels of',
  distill: 'Teacher run',
  validationSubset: 'Validation subset (between full validations)',
  inputChannels: 'Input channels (multispectral)',
};

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

function show(value: unknown, path: string, format: Format, runNames: ReadonlyMap<string, string>): string {
  if (value === undefined) return '-';
  if (value === null) return 'off';
  if (perImageMaps.has(path) && typeof value === 'object') return `${Object.keys(value).length} images`;
  if (path === 'distill.matrix') return 'set by hand';
  if (path === 'inputChannels.indices' && Array.isArray(value))
    return value.length ? (value as IndexChannel[]).map((i) => `${i.name} = ${indexFormula(i, [])}`).join(', ') : 'none';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return format === 'percent' ? `${+(value * 100).toFixed(1)}%` : String(value);
  if (Array.isArray(value)) return value.map((v) => String(v)).join(', ');
  if (typeof value === 'string') return path.endsWith('RunId') || path === 'sampler.weightsFromRun' ? `"${runNames.get(value) ?? value.slice(0, 8)}"` : value;
  return JSON.stringify(value);
}

/** Every field of a config, grouped in form order; unset optional fields are left out, a recipe that is off shows one 'off' row. */
export function configRows(config: unknown, runNames: ReadonlyMap<string, string> = new Map()): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const offShown = new Set<string>();
  for (const [group, key, label, format = 'plain'] of fields) {
    const head = key.split('.')[0]!;
    if (head in optionalGroups && at(config, head) === null) {
      if (offShown.has(head)) continue;
      offShown.add(head);
      rows.push({ group, key: head, label: optionalGroups[head]!, value: 'off', isDefault: at(defaults, head) === null });
      continue;
    }
    if (resolvedPaths.some((p) => key.startsWith(p))) continue;
    const raw = at(config, key);
    // Optional fields left unset (the alpha of a model that has none, no steps-per-epoch) are not rows.
    if (raw === undefined) continue;
    const value = show(raw, key, format, runNames);
    rows.push({ group, key, label, value, isDefault: value === show(at(defaults, key), key, format, runNames) });
  }
  return rows;
}

/** The rows whose values differ between configs, with each config's value, in form order. */
export function configDifferences(
  configs: readonly unknown[],
  runNames: ReadonlyMap<string, string> = new Map(),
): { key: string; label: string; values: string[] }[] {
  const each = configs.map((c) => configRows(c, runNames));
  const first = each[0] ?? [];
  const keys = [...new Set(each.flatMap((rows) => rows.map((r) => r.key)))];
  return keys
    .map((key) => ({
      key,
      label: first.find((r) => r.key === key)?.label ?? each.flatMap((rows) => rows).find((r) => r.key === key)!.label,
      values: each.map((rows) => rows.find((r) => r.key === key)?.value ?? 'off'),
    }))
    .filter((row) => new Set(row.values).size > 1);
}

/** The recipes in one line for a run's header: 'minority crops: Road, Water 70% · repeat images rich in Water x3'; null when none. */
export function recipesLine(config: unknown, runNames: ReadonlyMap<string, string> = new Map()): string | null {
  const parts: string[] = [];
  const crops = at(config, 'minorityCrops') as { classes: string[]; share: number } | null | undefined;
  if (crops) parts.push(`minority crops: ${crops.classes.join(', ')} ${Math.round(crops.share * 100)}%`);
  const replicate = at(config, 'replicate') as { classes: string[]; minShare: number; times: number } | null | undefined;
  if (replicate) parts.push(`repeat images rich in ${replicate.classes.join(', ')} x${replicate.times} (from ${+(replicate.minShare * 100).toFixed(1)}%)`);
  if (at(config, 'sampler.kind') === 'weighted') {
    const from = at(config, 'sampler.weightsFromRun');
    parts.push(typeof from === 'string' ? `hard-sample weights of run "${runNames.get(from) ?? from.slice(0, 8)}"` : 'weighted sampler');
  }
  const teacher = at(config, 'distill.teacherRunId');
  if (typeof teacher === 'string') parts.push(`distilled from run "${runNames.get(teacher) ?? teacher.slice(0, 8)}"`);
  return parts.length > 0 ? parts.join(' · ') : null;
}
