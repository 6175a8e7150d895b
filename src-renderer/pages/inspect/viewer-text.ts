import type { ClassDef } from '../../../src-shared/classes';
import { unknownClass } from '../../components/mask/class-map';
import type { ErrorCounts, ErrorMode } from './error-map';

/** The side-by-side viewer's words: panel titles, the accuracy line and the pixel under the cursor. */

/** One image's masks as the viewer holds them. */
export interface Loaded {
  width: number;
  height: number;
  /** The ground truth as dataset class positions (unknownClass for values no class owns), for the hover readout. */
  truthPositions: Uint8Array;
  truth: Uint8Array;
  prediction: Uint8Array;
  other: Uint8Array | null;
}

export function errorTitle(mode: ErrorMode, classNames: readonly string[], runName: string): string {
  if (mode.kind === 'by-true-class') return `Errors of ${runName} (by true class)`;
  if (mode.kind === 'class') return `${classNames[mode.label] ?? '?'}: FP red, FN blue (${runName})`;
  return `Predicted ${classNames[mode.predicted] ?? '?'} where truth is ${classNames[mode.truth] ?? '?'} (${runName})`;
}

/** The pixel under the cursor: its true class (or why it has none) and each run's prediction. */
export function describePixel(
  data: Loaded,
  [x, y]: [number, number],
  names: { datasetClasses: readonly ClassDef[]; classNames: readonly string[]; runName: string; otherName: string | null },
): string {
  const p = y * data.width + x;
  const position = data.truthPositions[p]!;
  const truthClass = position === unknownClass ? undefined : names.datasetClasses[position];
  const truth = !truthClass
    ? 'unknown mask value (ignored)'
    : truthClass.ignore
      ? `${truthClass.name} (the ignore class: not scored)`
      : names.classNames.includes(truthClass.name)
        ? truthClass.name
        : `${truthClass.name} (not a class of this run: ignored)`;
  const predicted = (labels: Uint8Array): string => names.classNames[labels[p]!] ?? '?';
  const wrong = (labels: Uint8Array): string => (data.truth[p] !== unknownClass && data.truth[p] !== labels[p] ? ' ✗' : '');
  const other = data.other && names.otherName ? ` · ${names.otherName}: ${predicted(data.other)}${wrong(data.other)}` : '';
  return `x ${x}, y ${y} · truth: ${truth} · ${names.runName}: ${predicted(data.prediction)}${wrong(data.prediction)}${other}`;
}

export function describeCounts(mode: ErrorMode, counts: ErrorCounts): string {
  if (counts.labelled === 0) return 'no labelled pixels';
  const share = (n: number) => `${((n / counts.labelled) * 100).toFixed(1)}%`;
  if (mode.kind === 'by-true-class') return `${share(counts.labelled - counts.errors)} of labelled pixels correct`;
  if (mode.kind === 'class') return `${counts.falsePositives.toLocaleString()} false positive and ${counts.falseNegatives.toLocaleString()} false negative px`;
  return `${counts.shown.toLocaleString()} px (${share(counts.shown)}) in this confusion`;
}
