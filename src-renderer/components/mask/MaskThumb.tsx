import { useEffect, useRef } from 'react';
import type { ClassDef, MaskKind } from '../../../src-shared/classes';
import { paintClassMap } from './class-map';
import { loadMask } from './load-mask';

/** Cells that scroll past within this time never decode their mask (fast scrolling stays smooth). */
const settleMs = 120;

/** A thumbnail's mask drawn over it in the classes' colours. */
export function MaskThumb({ url, kind, classes, opacity }: { url: string; kind: MaskKind; classes: readonly ClassDef[]; opacity: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => void draw(), settleMs);
    const draw = () =>
      loadMask(url, kind, classes, controller.signal)
        .then((mask) => {
          const element = canvas.current;
          const context = element?.getContext('2d');
          if (!element || !context) return;
          element.width = mask.width;
          element.height = mask.height;
          const image = context.createImageData(mask.width, mask.height);
          paintClassMap(mask.classMap, mask.width, classes, { opacity, visible: new Set(classes.map((_, i) => i)), outline: false }, image.data);
          context.putImageData(image, 0, 0);
        })
        .catch(() => undefined);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [url, kind, classes, opacity]);
  return <canvas ref={canvas} className="thumb-mask" aria-hidden="true" />;
}
