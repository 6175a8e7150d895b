import { unknownClass } from '../../components/mask/class-map';

/**
 * What the error map shows: every error coloured by its true class; the false positives and false
 * negatives of one class; or one confusion pair ("predicted Water where the truth is Land").
 */
export type ErrorMode = { kind: 'by-true-class' } | { kind: 'class'; label: number } | { kind: 'pair'; truth: number; predicted: number };

export const falsePositiveColour = [255, 69, 58] as const;
export const falseNegativeColour = [10, 132, 255] as const;
export const pairColour = [255, 214, 10] as const;

export interface ErrorCounts {
  /** Labelled pixels (truth not ignored). */
  labelled: number;
  /** Labelled pixels predicted wrong, shown or not. */
  errors: number;
  /** Pixels shown as errors in this mode (errors of hidden true classes are not shown). */
  shown: number;
  falsePositives: number;
  falseNegatives: number;
}

/**
 * Paints the error map into RGBA `out` (left clear where nothing is shown) and counts what it shows.
 * Labels are the run's training labels; `unknownClass` in the truth means ignored (never an error).
 * `colours` are packed 0xRRGGBB per label; errors whose true class is in `hidden` are counted, not painted.
 */
export function paintErrors(
  truth: Uint8Array,
  prediction: Uint8Array,
  mode: ErrorMode,
  colours: readonly number[],
  out: Uint8ClampedArray,
  hidden: ReadonlySet<number> = new Set(),
): ErrorCounts {
  const counts: ErrorCounts = { labelled: 0, errors: 0, shown: 0, falsePositives: 0, falseNegatives: 0 };
  const put = (p: number, r: number, g: number, b: number): void => {
    out[p * 4] = r;
    out[p * 4 + 1] = g;
    out[p * 4 + 2] = b;
    out[p * 4 + 3] = 255;
    counts.shown += 1;
  };
  for (let p = 0; p < truth.length; p += 1) {
    const t = truth[p]!;
    if (t === unknownClass) continue;
    counts.labelled += 1;
    const q = prediction[p]!;
    if (t === q) continue;
    counts.errors += 1;
    // The class toggles hide a class's errors too (by its true class).
    if (hidden.has(t)) continue;
    if (mode.kind === 'by-true-class') {
      const v = colours[t] ?? 0;
      put(p, v >> 16, (v >> 8) & 255, v & 255);
    } else if (mode.kind === 'class') {
      if (q === mode.label) {
        counts.falsePositives += 1;
        put(p, ...falsePositiveColour);
      } else if (t === mode.label) {
        counts.falseNegatives += 1;
        put(p, ...falseNegativeColour);
      }
    } else if (t === mode.truth && q === mode.predicted) {
      put(p, ...pairColour);
    }
  }
  return counts;
}
