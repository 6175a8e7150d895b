import { useMemo, useState } from 'react';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { groupKey } from '../../../src-shared/splits';
import { compileUserPattern } from '../../../src-shared/user-pattern';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { defaultSplit } from '../../../src-shared/splits';
import { useAction, errorText } from '../../hooks/useAction';
import { scenePatternSource, splitNames } from '../../../src-shared/splits';
import type { SplitSource } from '../../../src-shared/splits';
import { ClassSwatch } from '../../components/ClassSwatch';
import { SceneLeakNotice, useSceneSplit } from './SceneSplit';

/** Random or grouped train/val/test split, with a preview of the groups the pattern makes. */
export function SplitsTab({ dataset }: { dataset: DatasetDetail }) {
  const api = useApi();
  const config: NonNullable<DatasetDetail['splitConfig']> = dataset.splitConfig ?? defaultSplit;
  const [train, setTrain] = useState(String(Math.round(config.train * 100)));
  const [val, setVal] = useState(String(Math.round(config.val * 100)));
  const [test, setTest] = useState(String(Math.round(config.test * 100)));
  const [seed, setSeed] = useState(String(config.seed));
  const [pattern, setPattern] = useState(config.groupPattern ?? '');
  const [source, setSource] = useState<SplitSource>(config.from ?? 'random');
  const [listsDir, setListsDir] = useState(config.listsDir ?? '');
  const [valPattern, setValPattern] = useState(config.valPattern ?? '');
  const [testPattern, setTestPattern] = useState(config.testPattern ?? '');
  const { error, run: attempt } = useAction();
  // Near-duplicate grouping is chosen on the Duplicates tab; here it is kept (or dropped) on re-split.
  const [keepDuplicates, setKeepDuplicates] = useState(config.duplicateThreshold !== undefined);
  const images = useApiQuery('datasets:images', { datasetId: dataset.id });
  const stats = useApiQuery('datasets:stats', { datasetId: dataset.id }, ['dataset:changed']);
  const scene = useSceneSplit(dataset);
  const preview = useMemo(() => {
    if (!pattern) return null;
    try {
      const regex = compileUserPattern(pattern);
      const groups = new Map<string, number>();
      for (const item of images.data?.items ?? []) groups.set(groupKey(item.stem, regex), (groups.get(groupKey(item.stem, regex)) ?? 0) + 1);
      return { count: groups.size, examples: [...groups.entries()].slice(0, 4) };
    } catch (failure) {
      return { error: errorText(failure) };
    }
  }, [pattern, images.data]);

  const apply = async (): Promise<void> => {
    await attempt(async () => {
      if (source !== 'random') {
        await api.invoke('datasets:split', {
          datasetId: dataset.id,
          from: source,
          ...(source === 'lists' && { listsDir }),
          ...(source === 'patterns' && { valPattern, ...(testPattern && { testPattern }) }),
        });
        return;
      }
      await api.invoke('datasets:split', {
        datasetId: dataset.id,
        train: Number(train) / 100,
        val: Number(val) / 100,
        test: Number(test) / 100,
        seed: Number(seed),
        ...(pattern ? { groupPattern: pattern } : {}),
        ...(keepDuplicates && config.duplicateThreshold ? { duplicateThreshold: config.duplicateThreshold } : {}),
      });
    });
  };
  const counts = dataset.splitCounts;
  return (
    <div className="card" data-testid="splits-tab">
      <p>
        Now
        {config.from && config.from !== 'random'
          ? ` (from ${config.from === 'folders' ? 'the folders' : config.from === 'lists' ? 'list files' : 'name patterns'})`
          : ''}
        : <strong>train {counts.train}</strong> · <strong>val {counts.val}</strong> · <strong>test {counts.test}</strong>
        {counts.none ? ` · unassigned ${counts.none}` : ''}
        {dataset.splitConfig?.groupPattern ? (
          <span className="muted">
            {' '}
            (grouped by{' '}
            {dataset.splitConfig.groupPattern === scenePatternSource ? 'scene: the name before the running number' : dataset.splitConfig.groupPattern})
          </span>
        ) : null}
        {dataset.splitConfig?.duplicateThreshold ? (
          <span className="muted"> (near-duplicates at similarity {dataset.splitConfig.duplicateThreshold} kept together)</span>
        ) : null}
      </p>
      {config.note ? (
        <p className="muted small" data-testid="split-note">
          {config.note}
        </p>
      ) : null}
      <label className="field inline">
        <span>Split from</span>
        <select value={source} onChange={(e) => setSource(e.target.value as SplitSource)} data-testid="split-source">
          <option value="random">A seeded random draw (optionally grouped)</option>
          <option value="folders">The folders: train/, val/, test/</option>
          <option value="lists">List files: train.txt, val.txt, test.txt</option>
          <option value="patterns">Name patterns</option>
        </select>
      </label>
      {source === 'folders' ? (
        <p className="muted small">
          Images under a folder named train/training, val/valid/validation or test/testing (any case, at any depth) go to that split; others stay unassigned.
        </p>
      ) : null}
      {source === 'lists' ? (
        <label className="field">
          <span>Folder with the lists (one image name a line, with or without folder and extension)</span>
          <input value={listsDir} onChange={(e) => setListsDir(e.target.value)} placeholder="/data/landcover.ai" data-testid="split-lists-dir" />
        </label>
      ) : null}
      {source === 'patterns' ? (
        <div className="row">
          <label className="field inline">
            <span>Validation: names matching</span>
            <input value={valPattern} onChange={(e) => setValPattern(e.target.value)} placeholder="_val_" data-testid="split-val-pattern" />
          </label>
          <label className="field inline">
            <span>Test: names matching (optional)</span>
            <input value={testPattern} onChange={(e) => setTestPattern(e.target.value)} placeholder="_test_" data-testid="split-test-pattern" />
          </label>
          <span className="muted small">The rest is training.</span>
        </div>
      ) : null}
      {/* The random draw's settings; `hidden` would lose to the rows' display: flex. */}
      {source === 'random' ? (
        <>
          <div className="row">
            <label className="field inline">
              <span>Train %</span>
              <input type="number" min={0} max={100} value={train} onChange={(e) => setTrain(e.target.value)} />
            </label>
            <label className="field inline">
              <span>Validation %</span>
              <input type="number" min={1} max={100} value={val} onChange={(e) => setVal(e.target.value)} data-testid="split-val" />
            </label>
            <label className="field inline">
              <span>Test %</span>
              <input type="number" min={0} max={100} value={test} onChange={(e) => setTest(e.target.value)} />
            </label>
            <label className="field inline">
              <span>Seed</span>
              <input type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.value)} />
            </label>
          </div>
          <label className="field">
            <span>Keep together by file name (a regular expression; its first group names the scene), e.g. ^(tile\d+)_</span>
            <input value={pattern} onChange={(e) => setPattern(e.target.value)} placeholder="leave empty for a random split" data-testid="split-pattern" />
          </label>
          {preview ? (
            <p className="muted small" data-testid="split-preview">
              {'error' in preview
                ? `Not a valid pattern: ${preview.error}`
                : `${preview.count} groups, e.g. ${preview.examples.map(([k, n]) => `${k} (${n})`).join(', ')}`}
            </p>
          ) : null}
          {config.duplicateThreshold ? (
            <label className="check small">
              <input type="checkbox" checked={keepDuplicates} onChange={(e) => setKeepDuplicates(e.target.checked)} /> Keep near-duplicates together (similarity{' '}
              {config.duplicateThreshold}, from the Duplicates tab)
            </label>
          ) : null}
        </>
      ) : null}
      <ErrorNote message={error} />
      <button type="button" className="button primary" onClick={() => void apply()} data-testid="split-apply">
        Apply split
      </button>
      <SceneLeakNotice dataset={dataset} />
      {scene ? (
        <div data-testid="split-groups">
          <h3 className="small">Scenes by split {scene.grouped ? '(the split is grouped by them)' : '(read from the names; the split is not grouped)'}</h3>
          <ul className="small plain-list">
            {splitNames.map((name) => {
              const here = scene.scenes.groups.filter((g) => g.splits.includes(name));
              return here.length > 0 ? (
                <li key={name} data-testid={`split-groups-${name}`}>
                  <strong>{name}</strong> ({here.length}):{' '}
                  {here.map((g) => `${g.group}${g.splits.length > 1 ? ' (also in ' + g.splits.filter((s) => s !== name).join(', ') + ')' : ''}`).join(', ')}
                </li>
              ) : null;
            })}
          </ul>
        </div>
      ) : null}
      {stats.data ? (
        <table className="table compact split-shares" data-testid="split-shares">
          <caption className="small">Class shares of the pixels, per split</caption>
          <thead>
            <tr>
              <th>Class</th>
              {stats.data.splits
                .filter((s) => s.split !== 'all' && s.images > 0)
                .map((s) => (
                  <th key={s.split} className="num">
                    {s.split} ({s.images})
                  </th>
                ))}
            </tr>
          </thead>
          <tbody>
            {stats.data.classes.map((c, i) =>
              c.ignore ? null : (
                <tr key={c.name}>
                  <td>
                    <ClassSwatch color={c.color} />
                    {c.name}
                  </td>
                  {stats
                    .data!.splits.filter((s) => s.split !== 'all' && s.images > 0)
                    .map((s) => (
                      <td key={s.split} className="num">
                        {((s.classes[i]?.share ?? 0) * 100).toFixed(1)}%
                      </td>
                    ))}
                </tr>
              ),
            )}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
