import type { ClassDef, MaskKind } from '../../../src-shared/classes';
import { classMapFromRgba } from './class-map';

export interface LoadedMask {
  width: number;
  height: number;
  classMap: Uint8Array;
}

/**
 * Fetches a mask PNG and decodes it to class positions. Colour management is switched off so a
 * palette colour arrives exactly as stored (a converted #3c1098 would be no class at all).
 */
export async function loadMask(url: string, kind: MaskKind, classes: readonly ClassDef[], signal?: AbortSignal): Promise<LoadedMask> {
  const response = await fetch(url, signal ? { signal } : {});
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
  const bitmap = await createImageBitmap(await response.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('No 2D canvas available');
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' });
  bitmap.close();
  return { width: canvas.width, height: canvas.height, classMap: classMapFromRgba(data, kind, classes) };
}
