import { useState } from 'react';
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
      const job = await api.invoke('runs:predictFolder', { runId, imagesDir: imagesDir.trim(), outDir: outDir.trim(), checkpoint });
      const count = (job.params as { images: string[] }).images.length;
      setMessage(`Predicting ${count} image${count === 1 ? '' : 's'} into ${outDir.trim()} (<name>_index.png and <name>_color.png); progress and stop in the sidebar.`);
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
