import { useState } from 'react';
import { presets } from '../../../src-shared/classes';
import type { PairingSummary } from '../../../src-shared/datasets';
import { ErrorNote } from '../../components/ErrorNote';
import { FileNameList, LossyMasksNotice } from '../../components/FileNameList';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';

/**
 * Import in two steps: check the folders (pairing only, instant), then import the pairs; indexing
 * runs in the engine with its progress on the dataset's card. Classes are named afterwards on the
 * dataset's Classes tab, from the colours actually found in the masks.
 */
export function ImportWizard({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const [imagesDir, setImagesDir] = useState('');
  const [masksDir, setMasksDir] = useState('');
  const [together, setTogether] = useState(false);
  const [name, setName] = useState('');
  const [preset, setPreset] = useState('auto');
  const [scan, setScan] = useState<PairingSummary | null>(null);
  const { error, busy, run: attempt } = useAction();
  const folders = { imagesDir: imagesDir.trim(), ...(together || !masksDir.trim() ? {} : { masksDir: masksDir.trim() }) };

  const check = async (): Promise<void> => {
    await attempt(
      async () => {
        const result = await api.invoke('datasets:scan', folders);
        setScan(result);
        if (!name) setName(suggestName(result.imagesDir));
      },
      () => setScan(null),
    );
  };
  const start = async (): Promise<void> => {
    await attempt(async () => {
      await api.invoke('datasets:import', { ...folders, name: name.trim(), preset });
      onClose();
    });
  };

  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label="Import dataset" data-testid="import-wizard">
      <div className="modal">
        <h2>Import a dataset</h2>
        <label className="field">
          <span>Images folder, or the dataset&apos;s root as downloaded (full path on this machine)</span>
          <input data-testid="import-images" value={imagesDir} onChange={(e) => setImagesDir(e.target.value)} placeholder="/data/landcover/images" />
        </label>
        <label className="check">
          <input type="checkbox" checked={together} onChange={(e) => setTogether(e.target.checked)} data-testid="import-together" /> Masks are in the same
          folder, or below it in their own folders (images/ and masks/, images_png/ and masks_png/, img/ and ann/, …)
        </label>
        {!together ? (
          <label className="field">
            <span>Masks folder</span>
            <input data-testid="import-masks" value={masksDir} onChange={(e) => setMasksDir(e.target.value)} placeholder="/data/landcover/masks" />
          </label>
        ) : null}
        <div className="row">
          <button type="button" className="button" data-testid="import-check" disabled={!imagesDir.trim() || busy} onClick={() => void check()}>
            Check folders
          </button>
        </div>
        <ErrorNote message={error} />
        {scan ? <ScanReport scan={scan} /> : null}
        {scan && scan.pairs > 0 ? (
          <>
            <label className="field">
              <span>Dataset name</span>
              <input data-testid="import-name" value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <label className="field">
              <span>Class palette</span>
              <select data-testid="import-preset" value={preset} onChange={(e) => setPreset(e.target.value)}>
                <option value="auto">Detect from the masks (a known preset when one fits)</option>
                <option value="none">Name the classes myself</option>
                {presets.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        <div className="row end">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            data-testid="import-start"
            disabled={!scan || scan.pairs === 0 || !name.trim() || busy}
            onClick={() => void start()}
          >
            Import {scan ? `${scan.pairs} pairs` : ''}
          </button>
        </div>
      </div>
    </div>
  );
}

function ScanReport({ scan }: { scan: PairingSummary }) {
  return (
    <div className="scan-report" data-testid="scan-report">
      <p>
        <strong data-testid="scan-pairs">{scan.pairs}</strong> image/mask pairs found
        {scan.examples[0] ? (
          <span className="muted">
            {' '}
            (e.g. {scan.examples[0].image} + {scan.examples[0].mask})
          </span>
        ) : null}
        .
      </p>
      <FileNameList title="Images without a mask" names={scan.imagesWithoutMasks} />
      <FileNameList title="Masks without an image" names={scan.masksWithoutImages} />
      <FileNameList title="Ambiguous names (skipped)" names={scan.duplicates.map((d) => d.files.join(' / '))} />
      <FileNameList title="Not images (ignored)" names={scan.ignored} />
      <LossyMasksNotice names={scan.lossyMasks} />
      {scan.roles ? (
        <p className="small" data-testid="scan-roles">
          Taken as images, by their folder names: <span className="mono">{scan.roles.images.join(', ') || 'none'}</span>; as masks:{' '}
          <span className="mono">{scan.roles.masks.join(', ') || 'none'}</span>. Files pair by their path without that folder; folders named train, val or test
          above them set the split.
        </p>
      ) : null}
      <FileNameList title="Symbolic links not followed" names={scan.links ?? []} />
    </div>
  );
}

function suggestName(imagesDir: string): string {
  const parts = imagesDir.split(/[\\/]/).filter(Boolean);
  const last = parts.at(-1) ?? 'dataset';
  return /^(images?|imgs?|rgb)$/i.test(last) ? (parts.at(-2) ?? last) : last;
}
