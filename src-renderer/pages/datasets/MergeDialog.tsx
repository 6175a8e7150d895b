import { useState } from 'react';
import type { ClassDef } from '../../../src-shared/classes';
import type { MergePreview } from '../../../src-shared/derived';
import type { DatasetSummary } from '../../../src-shared/datasets';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { navigate } from '../../hooks/useRoute';
import { useAction } from '../../hooks/useAction';

interface Source {
  datasetId: string;
  name: string;
  classes: ClassDef[];
  mapping: Record<string, string>;
}

const pct = (v: number, total: number) => (total > 0 ? `${((v / total) * 100).toFixed(1)}%` : '-');

/**
 * Merge datasets into a new one: target classes (from the sources' names to start with), each
 * source class mapped to a target, ignore or drop, filters by class share, and a preview of the
 * class distribution before and after, before anything is written.
 */
export function MergeDialog({ datasets, onClose }: { datasets: DatasetSummary[]; onClose: () => void }) {
  const api = useApi();
  const [name, setName] = useState('Merged dataset');
  const [sources, setSources] = useState<Source[]>([]);
  const [targets, setTargets] = useState<{ name: string; color: string }[]>([]);
  const [filters, setFilters] = useState<{ className: string; maxShare: number }[]>([]);
  const [preview, setPreview] = useState<MergePreview | null>(null);
  const { error, run: attempt } = useAction();

  // Any change to the sources, classes or filters makes the preview stale.
  const changeTargets = (update: (list: { name: string; color: string }[]) => { name: string; color: string }[]) => {
    setTargets(update);
    setPreview(null);
  };
  const changeFilters = (update: (list: { className: string; maxShare: number }[]) => { className: string; maxShare: number }[]) => {
    setFilters(update);
    setPreview(null);
  };

  const toggleSource = async (dataset: DatasetSummary, on: boolean): Promise<void> => {
    setPreview(null);
    if (!on) {
      setSources((list) => list.filter((s) => s.datasetId !== dataset.id));
      return;
    }
    const detail = await api.invoke('datasets:get', { datasetId: dataset.id });
    setSources((list) => [...list, { datasetId: dataset.id, name: dataset.name, classes: detail.classes, mapping: {} }]);
    // Target classes grow by the new source's (non-ignore) class names that are not there yet.
    setTargets((current) => [
      ...current,
      ...detail.classes.filter((c) => !c.ignore && !current.some((t) => t.name === c.name)).map((c) => ({ name: c.name, color: c.color })),
    ]);
  };
  const request = () => ({
    name: name.trim(),
    classes: targets,
    sources: sources.map((s) => ({ datasetId: s.datasetId, mapping: s.mapping })),
    filters,
  });
  const run = async (work: () => Promise<void>): Promise<void> => {
    await attempt(async () => {
      await work();
    });
  };
  const targetOf = (source: Source, c: ClassDef): string =>
    source.mapping[c.name] ?? (c.ignore ? '@ignore' : targets.some((t) => t.name === c.name) ? c.name : '');
  const setMapping = (datasetId: string, from: string, to: string) => {
    setSources((list) => list.map((s) => (s.datasetId === datasetId ? { ...s, mapping: { ...s.mapping, [from]: to } } : s)));
    setPreview(null);
  };
  const totalBefore = preview ? preview.before.reduce((a, b) => a + b, 0) : 0;
  const totalAfter = preview ? preview.after.reduce((a, b) => a + b, 0) : 0;
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label="Merge datasets">
      <div className="modal wide" data-testid="merge-dialog">
        <h2>Merge datasets</h2>
        <p className="muted small">
          The new dataset uses the sources' image files as they are and writes its own masks (index PNGs in the data directory), so each source class can become
          a target class, be ignored, or drop the images that contain it. Splits come from the sources.
        </p>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="merge-name" />
        </label>
        <div className="row" data-testid="merge-sources">
          {datasets
            .filter((d) => d.state !== 'indexing')
            .map((d) => (
              <label key={d.id} className="check">
                <input
                  type="checkbox"
                  checked={sources.some((s) => s.datasetId === d.id)}
                  onChange={(e) => void run(() => toggleSource(d, e.target.checked))}
                />{' '}
                {d.name}
              </label>
            ))}
        </div>
        {targets.length > 0 ? (
          <fieldset>
            <legend>Target classes</legend>
            <div className="row">
              {targets.map((t, i) => (
                <span key={i} className="row merge-target">
                  <input
                    type="color"
                    value={t.color}
                    onChange={(e) => changeTargets((list) => list.map((x, k) => (k === i ? { ...x, color: e.target.value } : x)))}
                    aria-label={`colour of ${t.name}`}
                  />
                  <input
                    value={t.name}
                    onChange={(e) => changeTargets((list) => list.map((x, k) => (k === i ? { ...x, name: e.target.value } : x)))}
                    aria-label={`target class ${i + 1}`}
                  />
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => changeTargets((list) => list.filter((_, k) => k !== i))}
                    aria-label={`remove ${t.name}`}
                  >
                    ×
                  </button>
                </span>
              ))}
              <button
                type="button"
                className="button"
                onClick={() => changeTargets((list) => [...list, { name: `Class ${list.length + 1}`, color: '#888888' }])}
              >
                Add class
              </button>
            </div>
          </fieldset>
        ) : null}
        {sources.map((source) => (
          <fieldset key={source.datasetId} data-testid="merge-mapping">
            <legend>{source.name}: each class becomes</legend>
            <div className="row">
              {source.classes.map((c) => (
                <label key={c.name} className="field inline small">
                  <span>{c.name}</span>
                  <select
                    value={targetOf(source, c)}
                    onChange={(e) => setMapping(source.datasetId, c.name, e.target.value)}
                    aria-label={`${source.name}: ${c.name}`}
                  >
                    {targetOf(source, c) === '' ? <option value="">(choose)</option> : null}
                    {targets.map((t) => (
                      <option key={t.name} value={t.name}>
                        {t.name}
                      </option>
                    ))}
                    <option value="@ignore">ignore (no loss)</option>
                    <option value="@drop">drop its images</option>
                  </select>
                </label>
              ))}
            </div>
          </fieldset>
        ))}
        {targets.length > 0 ? (
          <div className="row">
            {filters.map((f, i) => (
              <span key={i} className="row small">
                Leave out images with more than
                <input
                  type="number"
                  min={0}
                  max={100}
                  value={Math.round(f.maxShare * 100)}
                  onChange={(e) => changeFilters((list) => list.map((x, k) => (k === i ? { ...x, maxShare: Number(e.target.value) / 100 } : x)))}
                  aria-label="filter share"
                />
                % of
                <select
                  value={f.className}
                  onChange={(e) => changeFilters((list) => list.map((x, k) => (k === i ? { ...x, className: e.target.value } : x)))}
                  aria-label="filter class"
                >
                  {targets.map((t) => (
                    <option key={t.name}>{t.name}</option>
                  ))}
                </select>
                <button type="button" className="link-button" onClick={() => changeFilters((list) => list.filter((_, k) => k !== i))}>
                  remove
                </button>
              </span>
            ))}
            <button
              type="button"
              className="button"
              onClick={() => changeFilters((list) => [...list, { className: targets[0]!.name, maxShare: 0.5 }])}
              data-testid="merge-add-filter"
            >
              Add a class-share filter
            </button>
          </div>
        ) : null}
        <ErrorNote message={error} />
        {preview ? (
          <div data-testid="merge-preview">
            <p className="small">
              {preview.sources
                .map(
                  (s) =>
                    `${s.name}: ${s.kept} of ${s.images} images kept${s.droppedByClass ? `, ${s.droppedByClass} dropped by class` : ''}${s.droppedByFilter ? `, ${s.droppedByFilter} by filters` : ''}`,
                )
                .join(' · ')}
            </p>
            <table className="table compact">
              <thead>
                <tr>
                  <th>Target class</th>
                  <th className="num">Pixels before</th>
                  <th className="num">Share before</th>
                  <th className="num">Pixels after</th>
                  <th className="num">Share after</th>
                </tr>
              </thead>
              <tbody>
                {preview.classNames.map((c, i) => (
                  <tr key={c} className={preview.emptyClasses.includes(c) ? 'error-text' : ''}>
                    <td>{c}</td>
                    <td className="num">{(preview.before[i] ?? 0).toLocaleString()}</td>
                    <td className="num">{pct(preview.before[i] ?? 0, totalBefore)}</td>
                    <td className="num">{(preview.after[i] ?? 0).toLocaleString()}</td>
                    <td className="num">{pct(preview.after[i] ?? 0, totalAfter)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {preview.emptyClasses.length > 0 ? (
              <p className="error-text small">
                No pixels after the merge: {preview.emptyClasses.join(', ')}. The merge is refused until each target class has some.
              </p>
            ) : null}
          </div>
        ) : null}
        <div className="row end">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
          <button
            type="button"
            className="button"
            disabled={sources.length === 0}
            onClick={() => void run(async () => setPreview(await api.invoke('datasets:mergePreview', request())))}
            data-testid="merge-preview-button"
          >
            Preview
          </button>
          <button
            type="button"
            className="button primary"
            disabled={sources.length === 0}
            onClick={() =>
              void run(async () => {
                const created = await api.invoke('datasets:merge', request());
                onClose();
                navigate('datasets', created.id);
              })
            }
            data-testid="merge-create"
          >
            Create merged dataset
          </button>
        </div>
      </div>
    </div>
  );
}
