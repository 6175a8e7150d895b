import { z } from './zod';

/**
 * Classes of a dataset. Masks hold either class indices in one channel (`index`) or RGB palette
 * colours (`rgb`); either way a pixel's *mask value* is an integer (the index, or r<<16|g<<8|b).
 * Each class owns a list of mask values; a value that no class owns is *unknown*: reported with
 * the images that hold it and treated as ignore, never silently as class 0.
 */
export const maskKinds = ['rgb', 'index'] as const;
export type MaskKind = (typeof maskKinds)[number];

export const hexColorSchema = z.string().regex(/^#[0-9a-f]{6}$/i, 'a colour like #3c1098');

export const classDefSchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  /** Display colour; for RGB masks it starts as the mask colour, and the user may change it. */
  color: hexColorSchema,
  /** Mask values that mean this class. */
  values: z.array(z.number().int().min(0).max(0xffffff)).min(1),
  /** Left out of every loss and metric (DeepGlobe's unknown, LoveDA's no-data). At most one class. */
  ignore: z.boolean(),
});
export type ClassDef = z.output<typeof classDefSchema>;

export const classListSchema = z
  .array(classDefSchema)
  .min(1)
  .max(255)
  .superRefine((classes, context) => {
    if (classes.filter((c) => c.ignore).length > 1) {
      context.addIssue({ code: 'custom', message: 'at most one class can be the ignore class' });
    }
    const seen = new Map<number, string>();
    for (const c of classes) {
      for (const value of c.values) {
        const owner = seen.get(value);
        if (owner !== undefined) {
          context.addIssue({ code: 'custom', message: `mask value ${value} belongs to both "${owner}" and "${c.name}"` });
        }
        seen.set(value, c.name);
      }
    }
  });

export interface PresetClass {
  name: string;
  color: string;
  value: number;
  ignore?: boolean;
}

export interface Preset {
  id: string;
  name: string;
  maskKind: MaskKind;
  classes: readonly PresetClass[];
  /**
   * False for presets only chosen by name: the multispectral sample's 0/1/2 index classes would
   * otherwise claim every small index-mask dataset at import.
   */
  autoMatch?: boolean;
}

export function packRgb(r: number, g: number, b: number): number {
  return ((r & 255) << 16) | ((g & 255) << 8) | (b & 255);
}

export function valueToHex(value: number): string {
  return `#${value.toString(16).padStart(6, '0')}`;
}

export function hexToValue(hex: string): number {
  return Number.parseInt(hex.slice(1), 16);
}

/** How a mask value reads to a person: `#3c1098` for RGB masks, `index 3` for index masks. */
export function describeValue(kind: MaskKind, value: number): string {
  return kind === 'rgb' ? `${valueToHex(value)} (${value >> 16},${(value >> 8) & 255},${value & 255})` : `index ${value}`;
}

const rgb = (hex: string): number => hexToValue(hex);

export const presets: readonly Preset[] = [
  {
    id: 'segbench-sample',
    name: 'SegBench sample (synthetic land cover)',
    maskKind: 'rgb',
    classes: [
      { name: 'Bare land', color: '#c8b482', value: rgb('#c8b482') },
      { name: 'Cropland', color: '#e6dc3c', value: rgb('#e6dc3c') },
      { name: 'Forest', color: '#1e8c3c', value: rgb('#1e8c3c') },
      { name: 'Water', color: '#2864c8', value: rgb('#2864c8') },
      { name: 'Road', color: '#aaaaaa', value: rgb('#aaaaaa') },
      { name: 'Building', color: '#dc3232', value: rgb('#dc3232') },
    ],
  },
  {
    id: 'segbench-kelp',
    name: 'SegBench multispectral sample (synthetic kelp, 7 bands)',
    maskKind: 'index',
    autoMatch: false,
    classes: [
      { name: 'Water', color: '#1f4e9c', value: 0 },
      { name: 'Land', color: '#b89a5a', value: 1 },
      { name: 'Kelp', color: '#2ecc40', value: 2 },
    ],
  },
  {
    id: 'dubai-aerial',
    name: 'Dubai aerial (Humans in the Loop)',
    maskKind: 'rgb',
    classes: [
      { name: 'Building', color: '#3c1098', value: rgb('#3c1098') },
      { name: 'Land (unpaved)', color: '#8429f6', value: rgb('#8429f6') },
      { name: 'Road', color: '#6ec1e4', value: rgb('#6ec1e4') },
      { name: 'Vegetation', color: '#fedd3a', value: rgb('#fedd3a') },
      { name: 'Water', color: '#e2a929', value: rgb('#e2a929') },
      { name: 'Unlabeled', color: '#9b9b9b', value: rgb('#9b9b9b') },
    ],
  },
  {
    id: 'deepglobe',
    name: 'DeepGlobe land cover',
    maskKind: 'rgb',
    classes: [
      { name: 'Urban land', color: '#00ffff', value: rgb('#00ffff') },
      { name: 'Agriculture', color: '#ffff00', value: rgb('#ffff00') },
      { name: 'Rangeland', color: '#ff00ff', value: rgb('#ff00ff') },
      { name: 'Forest', color: '#00ff00', value: rgb('#00ff00') },
      { name: 'Water', color: '#0000ff', value: rgb('#0000ff') },
      { name: 'Barren', color: '#ffffff', value: rgb('#ffffff') },
      { name: 'Unknown', color: '#000000', value: rgb('#000000'), ignore: true },
    ],
  },
  {
    id: 'loveda',
    name: 'LoveDA',
    maskKind: 'index',
    classes: [
      { name: 'No data', color: '#000000', value: 0, ignore: true },
      { name: 'Background', color: '#ffffff', value: 1 },
      { name: 'Building', color: '#ff0000', value: 2 },
      { name: 'Road', color: '#ffff00', value: 3 },
      { name: 'Water', color: '#0000ff', value: 4 },
      { name: 'Barren', color: '#9f81b7', value: 5 },
      { name: 'Forest', color: '#00ff00', value: 6 },
      { name: 'Agriculture', color: '#ffc380', value: 7 },
    ],
  },
  {
    id: 'landcover-ai',
    name: 'LandCover.ai',
    maskKind: 'index',
    classes: [
      { name: 'Background', color: '#c8c8c8', value: 0 },
      { name: 'Building', color: '#d22828', value: 1 },
      { name: 'Woodland', color: '#288c3c', value: 2 },
      { name: 'Water', color: '#285ac8', value: 3 },
      { name: 'Road', color: '#f0c83c', value: 4 },
    ],
  },
];

export const presetIds = presets.map((preset) => preset.id);

export function findPreset(id: string): Preset | undefined {
  return presets.find((preset) => preset.id === id);
}

/**
 * The preset that explains the found mask values best: same mask kind, covering at least 95% of
 * the pixels; among those, the one with the highest coverage, then the fewest unused classes.
 * Returns undefined when none fits (the user then names the classes).
 */
export function matchPreset(kind: MaskKind, found: ReadonlyMap<number, number>): Preset | undefined {
  const total = [...found.values()].reduce((sum, pixels) => sum + pixels, 0);
  if (total === 0) return undefined;
  let best: { preset: Preset; coverage: number; unused: number } | undefined;
  for (const preset of presets) {
    if (preset.maskKind !== kind || preset.autoMatch === false) continue;
    const values = new Set(preset.classes.map((c) => c.value));
    let covered = 0;
    for (const [value, pixels] of found) if (values.has(value)) covered += pixels;
    const coverage = covered / total;
    const unused = preset.classes.filter((c) => !found.has(c.value)).length;
    if (coverage < 0.95) continue;
    if (!best || coverage > best.coverage + 1e-9 || (Math.abs(coverage - best.coverage) <= 1e-9 && unused < best.unused)) {
      best = { preset, coverage, unused };
    }
  }
  return best?.preset;
}

export function classesFromPreset(preset: Preset): ClassDef[] {
  return preset.classes.map((c) => ({ name: c.name, color: c.color, values: [c.value], ignore: c.ignore ?? false }));
}

/** A readable default palette for index masks (tab10-like), cycled for more classes. */
const indexPalette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** One class per found value, in value order, for the user to name; RGB classes keep their colour. */
export function classesFromValues(kind: MaskKind, found: ReadonlyMap<number, number>): ClassDef[] {
  return [...found.keys()]
    .sort((a, b) => a - b)
    .map((value, i) => ({
      name: kind === 'rgb' ? `Class ${valueToHex(value)}` : `Class ${value}`,
      color: kind === 'rgb' ? valueToHex(value) : (indexPalette[i % indexPalette.length] ?? '#888888'),
      values: [value],
      ignore: false,
    }));
}

/** mask value -> class position in `classes`; values absent from the map are unknown. */
export function valueToClassMap(classes: readonly ClassDef[]): Map<number, number> {
  const map = new Map<number, number>();
  classes.forEach((c, index) => c.values.forEach((value) => map.set(value, index)));
  return map;
}

export function ignoreClassIndex(classes: readonly ClassDef[]): number | null {
  const index = classes.findIndex((c) => c.ignore);
  return index >= 0 ? index : null;
}

/**
 * The classes a model learns: every class but the ignore class, in order. `positions` are their
 * places in `classes`; the label map sends each of their mask values to its training label.
 */
export function trainingClasses(classes: readonly ClassDef[]): { positions: number[]; classNames: string[]; labelMap: [number, number][] } {
  const ignore = ignoreClassIndex(classes);
  const kept = classes.map((c, position) => ({ c, position })).filter(({ position }) => position !== ignore);
  return {
    positions: kept.map(({ position }) => position),
    classNames: kept.map(({ c }) => c.name),
    labelMap: kept.flatMap(({ c }, label) => c.values.map((value) => [value, label] as [number, number])),
  };
}

/** Class names that mean "no label here": offered as the ignore class. */
const noDataName = /^(un[-_ ]?label(l)?ed|no[-_ ]?data|void|ignored?|unknown|unclassified|not[-_ ]?labell?ed)$/i;

/**
 * The class a user would want as the ignore class when none is set: the first whose name says
 * "no label" (Unlabeled, No data, nodata, void, ignore, unknown). Null when one is already the
 * ignore class or no name fits.
 */
export function ignoreCandidate(classes: readonly { name: string; ignore: boolean }[]): number | null {
  if (classes.some((c) => c.ignore)) return null;
  const index = classes.findIndex((c) => noDataName.test(c.name.trim()));
  return index >= 0 ? index : null;
}
