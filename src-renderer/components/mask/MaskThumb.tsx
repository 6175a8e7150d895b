import { useEffect, useRef } from 'react';
import type { ClassDef, MaskKind } from '../../../src-shared/classes';
import { paintClassMap } from './class-map';
import { loadMask } from './load-mask';

/** A thumbnail's mask drawn over it in the classes' colours. */
export function MaskThumb({ url, kind, classes, opacity }: { url: string; kind: MaskKind; classes: readonly ClassDef[]; opacity: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const controller = new AbortController();
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
    return () => controller.abort();
  }, [url, kind, classes, opacity]);
  return <canvas ref={canvas} className="thumb-mask" aria-hidden="true" />;
}
