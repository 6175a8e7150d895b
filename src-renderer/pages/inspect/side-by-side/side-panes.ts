import type { CSSProperties } from 'react';
import { errorTitle } from '../viewer-text';
import type { ErrorMode } from '../error-map';

/** One panel of the side-by-side grid: its id (what closing it remembers), title and overlay layer (null: the image alone). */
export interface SidePane {
  id: string;
  title: string;
  layer: number | null;
}

/** The viewer's panels in order: image, ground truth, prediction, errors, and the other run's two when it has a prediction. */
export function sidePanes(p: { mode: ErrorMode; classNames: readonly string[]; runName: string; corrected: boolean; otherName: string | null }): SidePane[] {
  return [
    { id: 'image', title: 'Image', layer: null },
    { id: 'truth', title: `Ground truth${p.corrected ? ' (corrected)' : ''}`, layer: 0 },
    { id: 'prediction', title: `Prediction: ${p.runName}`, layer: 1 },
    { id: 'errors', title: errorTitle(p.mode, p.classNames, p.runName), layer: 2 },
    ...(p.otherName !== null
      ? [
          { id: 'other', title: `Prediction: ${p.otherName}`, layer: 3 },
          { id: 'other-errors', title: errorTitle(p.mode, p.classNames, p.otherName), layer: 4 },
        ]
      : []),
  ];
}

/** Columns for the panels left open: one row up to 2, then 2 columns, then 3 (two rows of three at most). */
export function paneGridStyle(count: number): CSSProperties {
  const columns = count <= 2 ? Math.max(1, count) : count <= 4 ? 2 : 3;
  return { gridTemplateColumns: `repeat(${columns}, 1fr)`, gridTemplateRows: `repeat(${Math.ceil(count / columns)}, 1fr)` };
}
