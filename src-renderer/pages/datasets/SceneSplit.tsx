import { useMemo } from 'react';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { defaultSplit, detectScenePattern, scenesBySplit } from '../../../src-shared/splits';
import type { SceneSplit } from '../../../src-shared/splits';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useApiQuery } from '../../hooks/useApiQuery';

/**
 * The dataset's scenes under its group pattern (or the scene pattern its names show): which went
 * to which split, and the scenes whose parts sit on both sides of the split. Null while the images
 * load or when the names show no scenes.
 */
export function useSceneSplit(dataset: DatasetDetail): { pattern: string; grouped: boolean; scenes: SceneSplit } | null {
  const images = useApiQuery('datasets:images', { datasetId: dataset.id }, ['dataset:changed']);
  return useMemo(() => {
    const items = images.data?.items;
    if (!items) return null;
    const configured = dataset.splitConfig?.groupPattern;
    const pattern = configured ?? detectScenePattern(items.map((i) => i.stem));
    if (!pattern) return null;
    try {
      return { pattern, grouped: !!configured, scenes: scenesBySplit(items, pattern) };
    } catch {
      return null;
    }
  }, [images.data, dataset.splitConfig?.groupPattern]);
}

/**
 * Warns when a random split put parts of one scene in training and in validation (tiles of one
 * aerial scene look alike, so validation overstates the model), and offers the grouped split with
 * the same shares and seed.
 */
export function SceneLeakNotice({ dataset }: { dataset: DatasetDetail }) {
  const api = useApi();
  const scene = useSceneSplit(dataset);
  const { error, busy, run: attempt } = useAction();
  if (!scene || scene.grouped || scene.scenes.leaking.length === 0) return null;
  const config = dataset.splitConfig ?? defaultSplit;
  const { leaking, groups } = scene.scenes;
  return (
    <div className="notice warn" data-testid="scene-leak">
      <p>
        The random split put parts of {leaking.length} of {groups.length} scenes (by their names: {leaking.slice(0, 4).join(', ')}
        {leaking.length > 4 ? ', …' : ''}) in more than one split. Tiles of one scene look alike, so validation on them overstates the model.
      </p>
      <button
        type="button"
        className="button"
        disabled={busy}
        onClick={() =>
          void attempt(() =>
            api.invoke('datasets:split', {
              datasetId: dataset.id,
              seed: config.seed,
              train: config.train,
              val: config.val,
              test: config.test,
              groupPattern: scene.pattern,
              ...(config.duplicateThreshold !== undefined && { duplicateThreshold: config.duplicateThreshold }),
            }),
          )
        }
        data-testid="scene-leak-fix"
      >
        Split by scene instead (same shares, seed {config.seed})
      </button>
      <ErrorNote message={error} />
    </div>
  );
}
