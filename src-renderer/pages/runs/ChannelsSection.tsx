import { useEffect, useState } from 'react';
import { channelNames, indexFormula, presetIndices } from '../../../src-shared/bands';
import type { IndexChannel, IndexKind, InputChannels } from '../../../src-shared/bands';
import type { RunConfigInput } from '../../../src-shared/run-config';
import { useApiQuery } from '../../hooks/useApiQuery';

type Patch = { inputChannels?: RunConfigInput['inputChannels'] };

/**
 * A multispectral dataset's input channels for the run: which bands (all by default), plus index
 * channels (NDVI and NDWI when the band names allow them, or the user's own normalised difference
 * or ratio). Nothing shows for RGB datasets, and a leftover choice is cleared when the dataset
 * changes to one.
 */
export function ChannelsSection({
  datasetId,
  value,
  onChange,
}: {
  datasetId: string;
  value: RunConfigInput['inputChannels'];
  onChange: (patch: Patch) => void;
}) {
  const detail = useApiQuery('datasets:get', { datasetId }, ['dataset:changed']);
  const layout = detail.data?.bands ?? null;
  const [custom, setCustom] = useState<{ name: string; kind: IndexKind; a: number; b: number }>({ name: 'IDX', kind: 'normalized-difference', a: 1, b: 2 });
  useEffect(() => {
    if (detail.data && !detail.data.bands && value) onChange({ inputChannels: null });
  }, [detail.data, value, onChange]);
  if (!layout) return null;
  const names = layout.names;
  const current: InputChannels = { bands: value?.bands ?? names.map((_, i) => i + 1), indices: value?.indices ?? [] };
  const update = (next: InputChannels): void => onChange({ inputChannels: next });
  const toggleBand = (band: number): void => {
    const bands = current.bands.includes(band) ? current.bands.filter((b) => b !== band) : [...current.bands, band].sort((a, b) => a - b);
    update({ ...current, bands });
  };
  const hasIndex = (name: string): boolean => current.indices.some((i) => i.name === name);
  const toggleIndex = (index: IndexChannel): void =>
    update({ ...current, indices: hasIndex(index.name) ? current.indices.filter((i) => i.name !== index.name) : [...current.indices, index] });
  const presets = presetIndices(names);
  const total = current.bands.length + current.indices.length;
  return (
    <section className="card" data-testid="form-channels">
      <h2>Input channels</h2>
      <p className="muted small">
        This dataset has {layout.bands} bands of {layout.dataType}. Each chosen channel is normalised by its mean and std over the training images.
      </p>
      <div className="row wrap">
        {names.map((name, i) => (
          <label key={name} className="check">
            <input type="checkbox" checked={current.bands.includes(i + 1)} onChange={() => toggleBand(i + 1)} data-testid={`form-band-${i + 1}`} /> {i + 1}{' '}
            {name}
          </label>
        ))}
      </div>
      <div className="row wrap">
        {[presets.ndvi, presets.ndwi].map((index) =>
          index ? (
            <label key={index.name} className="check" title={indexFormula(index, names)}>
              <input type="checkbox" checked={hasIndex(index.name)} onChange={() => toggleIndex(index)} data-testid={`form-index-${index.name}`} /> {index.name}{' '}
              = {indexFormula(index, names)}
            </label>
          ) : null,
        )}
      </div>
      <div className="row wrap">
        <input
          aria-label="Index name"
          value={custom.name}
          size={8}
          onChange={(e) => setCustom({ ...custom, name: e.target.value })}
          data-testid="form-index-name"
        />
        <BandSelect label="Band A" names={names} value={custom.a} onChange={(a) => setCustom({ ...custom, a })} />
        <select aria-label="Index kind" value={custom.kind} onChange={(e) => setCustom({ ...custom, kind: e.target.value as IndexKind })}>
          <option value="normalized-difference">(A - B) / (A + B)</option>
          <option value="ratio">A / B</option>
        </select>
        <BandSelect label="Band B" names={names} value={custom.b} onChange={(b) => setCustom({ ...custom, b })} />
        <button
          type="button"
          className="button"
          disabled={!custom.name.trim() || custom.a === custom.b || hasIndex(custom.name.trim())}
          onClick={() => update({ ...current, indices: [...current.indices, { ...custom, name: custom.name.trim() }] })}
          data-testid="form-index-add"
        >
          Add index
        </button>
      </div>
      <p data-testid="form-channels-summary">
        {total === 0 ? 'Choose at least one band or index.' : `${total} input channel(s): ${channelNames(current, names).join(', ')}`}
      </p>
    </section>
  );
}

function BandSelect({ label, names, value, onChange }: { label: string; names: readonly string[]; value: number; onChange: (band: number) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(Number(e.target.value))}>
      {names.map((n, i) => (
        <option key={n} value={i + 1}>
          {n}
        </option>
      ))}
    </select>
  );
}
