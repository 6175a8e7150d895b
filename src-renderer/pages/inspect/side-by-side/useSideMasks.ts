import { useEffect, useState } from 'react';
import type { ClassDef, MaskKind } from '../../../../src-shared/classes';
import type { ImageRevisions } from '../../../../src-shared/revisions';
import { unknownClass } from '../../../components/mask/class-map';
import { loadMask } from '../../../components/mask/load-mask';
import { useApi, useFileUrl } from '../../../hooks/ApiContext';
import type { Loaded } from '../viewer-text';

interface Source {
  imageId: number;
  runId: string;
  /** A second run whose prediction shows beside this run's; '' for none. */
  otherRunId: string;
  maskKind: MaskKind;
  datasetClasses: readonly ClassDef[];
  classNames: readonly string[];
  /** The run's classes as class definitions whose mask values are the labels themselves. */
  labelClasses: readonly ClassDef[];
}

/**
 * One image's ground truth (as the run's labels), its prediction and the other run's, and the
 * image's label revisions. `onRevisions` records a label change and loads the mask now in effect.
 */
export function useSideMasks(source: Source) {
  const api = useApi();
  const fileUrl = useFileUrl();
  const { imageId, runId, otherRunId, maskKind, datasetClasses, classNames, labelClasses } = source;
  const [loaded, setLoaded] = useState<{ key: string; data: Loaded } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [otherMissing, setOtherMissing] = useState(false);
  const [revisions, setRevisions] = useState<ImageRevisions | null>(null);
  // Bumped when a label change puts another mask in effect; the first load does not wait for the history.
  const [maskVersion, setMaskVersion] = useState(0);
  const key = `${runId}/${otherRunId}/${imageId}/${maskVersion}`;

  useEffect(() => {
    let live = true;
    api
      .invoke('revisions:list', { imageId })
      .then((state) => live && setRevisions(state))
      .catch((failure: unknown) => live && setError(String(failure)));
    return () => {
      live = false;
    };
  }, [api, imageId]);

  useEffect(() => {
    const controller = new AbortController();
    // Dataset class position -> the run's label; the ignore class, unknown values and classes the run lacks -> unknownClass.
    const labelOf = new Uint8Array(256).fill(unknownClass);
    datasetClasses.forEach((c, position) => {
      const label = c.ignore ? -1 : classNames.indexOf(c.name);
      if (label >= 0) labelOf[position] = label;
    });
    Promise.all([
      loadMask(`${fileUrl('mask', imageId)}?v=${maskVersion}`, maskKind, datasetClasses, controller.signal),
      loadMask(fileUrl('prediction', imageId, runId), 'index', labelClasses, controller.signal),
      // The other run's prediction may be missing: never blank what is known for that (a note says
      // so), and ask first whether it stored any, rather than fetch a file that is not there.
      otherRunId
        ? api
            .invoke('samples:predictions', { runId: otherRunId })
            .then((summary) =>
              summary.variants.some((v) => v.variant === 'plain' && v.images > 0)
                ? loadMask(fileUrl('prediction', imageId, otherRunId), 'index', labelClasses, controller.signal)
                : null,
            )
            .catch(() => null)
        : Promise.resolve(null),
    ])
      .then(([truthMask, predictionMask, otherMask]) => {
        setOtherMissing(otherRunId !== '' && otherMask === null);
        const truth = new Uint8Array(truthMask.classMap.length);
        for (let p = 0; p < truth.length; p += 1) truth[p] = labelOf[truthMask.classMap[p]!]!;
        setLoaded({
          key,
          data: {
            width: truthMask.width,
            height: truthMask.height,
            truthPositions: truthMask.classMap,
            truth,
            prediction: predictionMask.classMap,
            other: otherMask?.classMap ?? null,
          },
        });
        setError(null);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(`Cannot load this image's masks: ${failure instanceof Error ? failure.message : String(failure)}`);
      });
    return () => controller.abort();
  }, [api, fileUrl, imageId, runId, otherRunId, key, maskKind, datasetClasses, classNames, labelClasses, maskVersion]);

  const onRevisions = (next: ImageRevisions): void => {
    setRevisions(next);
    setMaskVersion((v) => v + 1);
  };
  return { data: loaded?.key === key ? loaded.data : null, error, otherMissing, revisions, onRevisions };
}
