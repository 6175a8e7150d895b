import type { ClassDef, MaskKind } from '../../../src-shared/classes';
import { hexToValue, valueToClassMap } from '../../../src-shared/classes';

/** Class position per pixel; this value marks pixels whose mask value belongs to no class. */
export const unknownClass = 255;

/**
 * Turns decoded RGBA mask pixels into class positions. Index masks read the red channel (a
 * greyscale PNG arrives as r = g = b = index); RGB masks pack r<<16|g<<8|b. Consecutive pixels
 * usually share a value, so the last lookup is reused.
 */
export function classMapFromRgba(rgba: Uint8ClampedArray, kind: MaskKind, classes: readonly ClassDef[]): Uint8Array {
  const owner = valueToClassMap(classes);
  const out = new Uint8Array(rgba.length / 4);
  let lastValue = -1;
  let lastClass = unknownClass;
  for (let p = 0, i = 0; p < out.length; p += 1, i += 4) {
    const value = kind === 'rgb' ? (rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]! : rgba[i]!;
    if (value !== lastValue) {
      lastValue = value;
      lastClass = owner.get(value) ?? unknownClass;
    }
    out[p] = lastClass;
  }
  return out;
}

interface OverlayStyle {
  /** 0..1 */
  opacity: number;
  /** Class positions to draw; others stay clear. */
  visible: ReadonlySet<number>;
  /** Draw only the pixels on a class boundary. */
  outline: boolean;
}

/** Paints class positions into RGBA with each class's display colour; ignore and unknown stay clear. */
export function paintClassMap(classMap: Uint8Array, width: number, classes: readonly ClassDef[], style: OverlayStyle, out: Uint8ClampedArray): void {
  const colours = classes.map((c) => {
    const v = hexToValue(c.color);
    return [v >> 16, (v >> 8) & 255, v & 255] as const;
  });
  const alpha = Math.round(style.opacity * 255);
  for (let p = 0; p < classMap.length; p += 1) {
    const c = classMap[p]!;
    const i = p * 4;
    const colour = colours[c];
    let draw = colour !== undefined && style.visible.has(c) && !classes[c]?.ignore;
    if (draw && style.outline) {
      const x = p % width;
      const right = x + 1 < width ? classMap[p + 1] : c;
      const left = x > 0 ? classMap[p - 1] : c;
      const down = p + width < classMap.length ? classMap[p + width] : c;
      const up = p - width >= 0 ? classMap[p - width] : c;
      draw = right !== c || left !== c || down !== c || up !== c;
    }
    if (draw && colour) {
      out[i] = colour[0];
      out[i + 1] = colour[1];
      out[i + 2] = colour[2];
      out[i + 3] = style.outline ? 255 : alpha;
    } else {
      out[i + 3] = 0;
    }
  }
}
