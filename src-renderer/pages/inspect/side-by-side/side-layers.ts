import type { ClassDef } from '../../../../src-shared/classes';
import { hexToValue } from '../../../../src-shared/classes';
import { paintClassMap } from '../../../components/mask/class-map';
import { paintErrors } from '../error-map';
import type { ErrorCounts, ErrorMode } from '../error-map';
import type { Loaded } from '../viewer-text';

/** The side-by-side viewer's layers as RGBA, by layer number, with what its error maps counted. */
interface SideLayers {
  width: number;
  height: number;
  /** 0 ground truth, 1 prediction, 2 its errors; 3 and 4 the other run's prediction and errors when shown. */
  layers: Uint8ClampedArray<ArrayBuffer>[];
  counts: { main: ErrorCounts; other: ErrorCounts | null };
}

/** Paints every overlay of one image: class maps at `opacity` without the hidden classes, and the error maps of `mode`. */
export function paintSideLayers(data: Loaded, labelClasses: readonly ClassDef[], mode: ErrorMode, opacity: number, hidden: ReadonlySet<number>): SideLayers {
  const visible = new Set(labelClasses.map((_, i) => i).filter((i) => !hidden.has(i)));
  const options = { opacity, visible, outline: false };
  const colours = labelClasses.map((c) => hexToValue(c.color));
  const pixels = data.width * data.height;
  const classLayer = (labels: Uint8Array): Uint8ClampedArray<ArrayBuffer> => {
    const out = new Uint8ClampedArray(pixels * 4);
    paintClassMap(labels, data.width, labelClasses, options, out);
    return out;
  };
  const errorLayer = (prediction: Uint8Array): { out: Uint8ClampedArray<ArrayBuffer>; counts: ErrorCounts } => {
    const out = new Uint8ClampedArray(pixels * 4);
    return { out, counts: paintErrors(data.truth, prediction, mode, colours, out, hidden) };
  };
  const main = errorLayer(data.prediction);
  const layers = [classLayer(data.truth), classLayer(data.prediction), main.out];
  let other: ErrorCounts | null = null;
  if (data.other) {
    const errors = errorLayer(data.other);
    layers.push(classLayer(data.other), errors.out);
    other = errors.counts;
  }
  return { width: data.width, height: data.height, layers, counts: { main: main.counts, other } };
}
