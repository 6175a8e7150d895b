import { useMemo, useState } from 'react';
import { classesFromPreset, classesFromValues, describeValue, ignoreCandidate, presets, valueToHex } from '../../../src-shared/classes';
import { maxAutoClasses } from '../../../src-shared/indexing';
import type { ClassDef } from '../../../src-shared/classes';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';

const unknown = -1;

/**
 * Name the classes, pick their colours, mark the ignore class, and decide which mask value means
 * which class (merging values, or giving an unknown colour a class). Saving re-derives every
 * count from the stored mask values; nothing is re-read from disk.
 */
export function ClassesTab({ dataset }: { dataset: DatasetDetail }) {
  const api = useApi();
  const [classes, setClasses] = useState<ClassDef[]>(dataset.classes);
  const initialOwners = useMemo(() => ownersOf(dataset.classes, dataset), [dataset]);
  const [owners, setOwners] = useState<Map<number, number>>(initialOwners);
  const { error, run: attempt } = useAction();
  const [saved, setSaved] = useState(false);
  const total = dataset.values.reduce((sum, v) => sum + v.pixels, 0) || 1;
  const kind = dataset.maskKind ?? 'index';

  const update = (index: number, patch: Partial<ClassDef>): void => {
    setSaved(false);
    setClasses((list) => list.map((c, i) => (i === index ? { ...c, ...patch } : patch.ignore ? { ...c, ignore: false } : c)));
  };
  const applyPreset = (id: string): void => {
    const preset = presets.find((p) => p.id === id);
    if (!preset) return;
    const next = classesFromPreset(preset);
    setClasses(next);
    setOwners(ownersOf(next, dataset));
    setSaved(false);
  };
  const addClassFor = (value: number): void => {
    setClasses((list) => [
      ...list,
      { name: `Class ${list.length + 1}`, color: kind === 'rgb' ? valueToHex(value) : '#888888', values: [value], ignore: false },
    ]);
    setOwners((map) => new Map(map).set(value, classes.length));
    setSaved(false);
  };
  const save = async (): Promise<void> => {
    const found = new Set(dataset.values.map((v) => v.value));
    const next = classes.map((c, i) => ({
      ...c,
      // Values of the preset that this dataset never uses stay with their class.
      values: [...c.values.filter((v) => !found.has(v)), ...[...owners].filter(([, owner]) => owner === i).map(([v]) => v)],
    }));
    await attempt(async () => {
      await api.invoke('datasets:setClasses', { datasetId: dataset.id, classes: next });
      setSaved(true);
    });
  };

  const onePerValue = (): void => {
    const next = classesFromValues(kind, new Map(dataset.values.map((v) => [v.value, v.pixels])));
    setClasses(next);
    setOwners(ownersOf(next, dataset));
    setSaved(false);
  };
  const detectedPreset = presets.find((p) => p.id === dataset.preset);
  const candidate = ignoreCandidate(classes);
  const asking = dataset.classes.length === 0 && classes.length === 0 && dataset.values.length > maxAutoClasses;

  return (
    <div className="classes-tab" data-testid="classes-tab">
      {asking ? (
        <div className="notice warn" data-testid="many-values">
          <p>
            The masks hold {dataset.values.length} distinct values, more than {maxAutoClasses}, so SegBench did not create the classes on its own. A mask of
            noise or a re-compressed mask does this: check the Report tab first. Then choose a preset below, or make one class per value.
          </p>
          <button type="button" className="button" onClick={onePerValue} data-testid="one-class-per-value">
            Make {dataset.values.length} classes, one per value
          </button>
        </div>
      ) : null}
      <p className="muted small" data-testid="classes-origin">
        {detectedPreset
          ? `Classes from the preset "${detectedPreset.name}": it fits the mask values found. Another preset, or your own names, below.`
          : dataset.classes.length > 0
            ? 'No preset fits these masks: one class per mask value, to name here.'
            : ''}
      </p>
      {candidate !== null ? (
        <div className="notice" data-testid="ignore-offer">
          <span>&ldquo;{classes[candidate]!.name}&rdquo; sounds like pixels without a label. As the ignore class it counts in no loss and no metric.</span>{' '}
          <button type="button" className="button" onClick={() => update(candidate, { ignore: true })} data-testid="ignore-offer-accept">
            Make {classes[candidate]!.name} the ignore class
          </button>
        </div>
      ) : null}
      <div className="row">
        <label className="field inline">
          <span>Start from a preset</span>
          <select value="" onChange={(e) => applyPreset(e.target.value)} data-testid="classes-preset">
            <option value="">Choose…</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <table className="table compact" data-testid="classes-table">
        <thead>
          <tr>
            <th>Colour</th>
            <th>Name</th>
            <th>Ignore</th>
            <th className="num">Pixels</th>
          </tr>
        </thead>
        <tbody>
          {classes.map((c, i) => {
            const pixels = dataset.values.filter((v) => owners.get(v.value) === i).reduce((sum, v) => sum + v.pixels, 0);
            return (
              <tr key={i} data-testid="class-row">
                <td>
                  <input type="color" value={c.color} aria-label={`Colour of ${c.name}`} onChange={(e) => update(i, { color: e.target.value })} />
                </td>
                <td>
                  <input className="name-input" value={c.name} aria-label={`Name of class ${i + 1}`} onChange={(e) => update(i, { name: e.target.value })} />
                </td>
                <td>
                  <input
                    type="checkbox"
                    checked={c.ignore}
                    aria-label={`${c.name} is the ignore class`}
                    onChange={(e) => update(i, { ignore: e.target.checked })}
                  />
                </td>
                <td className="num">{((100 * pixels) / total).toFixed(2)}%</td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <h2 className="section-title">Mask values found</h2>
      <table className="table compact" data-testid="values-table">
        <thead>
          <tr>
            <th>Value in the masks</th>
            <th className="num">Pixels</th>
            <th className="num">Images</th>
            <th>Means</th>
          </tr>
        </thead>
        <tbody>
          {dataset.values.map((v) => (
            <tr key={v.value}>
              <td>
                {kind === 'rgb' ? <span className="swatch" style={{ background: valueToHex(v.value) }} /> : null}
                {describeValue(kind, v.value)}
              </td>
              <td className="num">{((100 * v.pixels) / total).toFixed(2)}%</td>
              <td className="num">{v.images}</td>
              <td>
                <select
                  value={owners.get(v.value) ?? unknown}
                  onChange={(e) => {
                    const owner = Number(e.target.value);
                    if (owner === -2) return addClassFor(v.value);
                    setOwners((map) => new Map(map).set(v.value, owner));
                    setSaved(false);
                  }}
                >
                  <option value={unknown}>Unknown (ignored)</option>
                  {classes.map((c, i) => (
                    <option key={i} value={i}>
                      {c.name}
                    </option>
                  ))}
                  <option value={-2}>+ New class</option>
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorNote message={error} />
      <div className="row">
        <button type="button" className="button primary" data-testid="classes-save" onClick={() => void save()}>
          Save classes
        </button>
        {saved ? <span className="muted small">Saved; statistics updated.</span> : null}
      </div>
    </div>
  );
}

function ownersOf(classes: readonly ClassDef[], dataset: DatasetDetail): Map<number, number> {
  const owners = new Map<number, number>();
  for (const v of dataset.values) {
    const owner = classes.findIndex((c) => c.values.includes(v.value));
    owners.set(v.value, owner);
  }
  return owners;
}
