import { indexValue } from './bands';
import type { IndexKind } from './bands';

/**
 * What the viewer shows of a multispectral image, written into the file URL's `view` parameter:
 * `rgb:4,3,2` (three bands as red, green, blue), `band:5` (one band as a colour ramp),
 * `nd:2,3` ((A-B)/(A+B) as a ramp over -1..1) or `ratio:2,3`.
 */
export type BandView = { kind: 'composite'; bands: [number, number, number] } | { kind: 'band'; band: number } | { kind: IndexKind; a: number; b: number };

export function formatBandView(view: BandView): string {
  if (view.kind === 'composite') return `rgb:${view.bands.join(',')}`;
  if (view.kind === 'band') return `band:${view.band}`;
  return `${view.kind === 'normalized-difference' ? 'nd' : 'ratio'}:${view.a},${view.b}`;
}

export function parseBandView(text: string): BandView {
  const match = /^(rgb|band|nd|ratio):([\d,]+)$/.exec(text.trim());
  const numbers = match ? match[2]!.split(',').map(Number) : [];
  const ok = numbers.every((n) => Number.isInteger(n) && n >= 1 && n <= 64);
  if (match && ok) {
    if (match[1] === 'rgb' && numbers.length === 3) return { kind: 'composite', bands: numbers as [number, number, number] };
    if (match[1] === 'band' && numbers.length === 1) return { kind: 'band', band: numbers[0]! };
    if ((match[1] === 'nd' || match[1] === 'ratio') && numbers.length === 2) {
      return { kind: match[1] === 'nd' ? 'normalized-difference' : 'ratio', a: numbers[0]!, b: numbers[1]! };
    }
  }
  throw new Error(`"${text}" is not a band view; valid: rgb:R,G,B, band:N, nd:A,B or ratio:A,B with band numbers from 1`);
}

/**
 * The colour scale beside a ramp view: its low, middle and high labels. A normalised difference is
 * drawn over -1..1 always; a band or a ratio is stretched over this image's 2nd to 98th
 * percentiles, which the renderer does not know, so those ends are named. Null for a composite.
 */
export function rampLegend(view: BandView): { low: string; mid: string; high: string } | null {
  if (view.kind === 'composite') return null;
  if (view.kind === 'normalized-difference') return { low: '-1', mid: '0', high: '1' };
  return { low: 'p2', mid: '…', high: 'p98' };
}

/**
 * The value a ramp view shows at a pixel, from every band's value there (`datasets:pixel`): the
 * band itself, or the index through the same function the training pipeline uses. Null for a
 * composite, or where a band is missing.
 */
export function viewValueAt(view: BandView, bandValues: readonly number[]): number | null {
  if (view.kind === 'composite') return null;
  if (view.kind === 'band') return bandValues[view.band - 1] ?? null;
  const a = bandValues[view.a - 1];
  const b = bandValues[view.b - 1];
  return a === undefined || b === undefined ? null : indexValue(view.kind, a, b);
}
