import { useState } from 'react';
import type { PredictionEncoding } from '../../../src-shared/training';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';

/** Predicts any folder of images with a run's best or last checkpoint; the job's progress shows in the sidebar. */
export function PredictFolder({ runId }: { runId: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [imagesDir, setImagesDir] = useState('');
  const [outDir, setOutDir] = useState('');
  const [checkpoint, setCheckpoint] = useState<'best' | 'last'>('best');
  const [encoding, setEncoding] = useState<PredictionEncoding>('mask-values');
  const [message, setMessage] = useState<string | null>(null);
  const { error, run: attempt } = useAction();
  if (!open) {
    return (
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid="predict-folder-open">
        Predict a folder…
      </button>
    );
  }
  const start = async (): Promise<void> => {
    await attempt(async () => {
      const job = await api.invoke('runs:predictFolder', { runId, imagesDir: imagesDir.trim(), outDir: outDir.trim(), checkpoint, encoding });
      const params = job.params as { images: string[]; maskValues?: { rgb: boolean } };
      const count = params.images.length;
      const files =
        encoding === 'mask-values'
          ? `<name>_mask.png in the dataset's own mask values (${params.maskValues?.rgb ? 'RGB palette colours' : 'index values'}) and <name>_color.png`
          : encoding === 'class-index'
            ? '<name>_index.png with class indices 0..n-1 and <name>_color.png'
            : '<name>_color.png in the class colours';
      setMessage(`Predicting ${count} image${count === 1 ? '' : 's'} into ${outDir.trim()}: ${files}; progress and stop in the sidebar.`);
    });
  };
  return (
    <div className="card predict-folder" data-testid="predict-folder">
      <div className="row">
        <label className="field inline">
          <span>Images folder</span>
          <input value={imagesDir} onChange={(e) => setImagesDir(e.target.value)} placeholder="/data/new-tiles" data-testid="predict-folder-images" />
        </label>
        <label className="field inline">
          <span>Write predictions to</span>
          <input value={outDir} onChange={(e) => setOutDir(e.target.value)} placeholder="/data/new-tiles-predicted" data-testid="predict-folder-out" />
        </label>
        <label className="field inline">
          <span>Checkpoint</span>
          <select value={checkpoint} onChange={(e) => setCheckpoint(e.target.value as 'best' | 'last')}>
            <option value="best">best</option>
            <option value="last">last</option>
          </select>
        </label>
        <label className="field inline">
          <span>Labels as</span>
          <select value={encoding} onChange={(e) => setEncoding(e.target.value as PredictionEncoding)} data-testid="predict-folder-encoding">
            <option value="mask-values">the dataset&apos;s mask values</option>
            <option value="class-index">class indices 0..n-1</option>
            <option value="palette">class colours only</option>
          </select>
        </label>
        <button type="button" className="button primary" disabled={!imagesDir.trim() || !outDir.trim()} onClick={() => void start()} data-testid="predict-folder-start">
          Predict
        </button>
        <button type="button" className="link-button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      <ErrorNote message={error} />
      {message ? (
        <p className="small" data-testid="predict-folder-message">
          {message}
        </p>
      ) : null}
    </div>
  );
}
