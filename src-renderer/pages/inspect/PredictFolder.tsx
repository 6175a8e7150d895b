import { useState } from 'react';
import type { PredictionEncoding } from '../../../src-shared/training';
import { ErrorNote } from '../../components/ErrorNote';
import { JobProgress } from '../../components/JobProgress';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { useJobs } from '../../hooks/useJobs';
import { folderPredictionText } from './prediction-jobs';
import type { FolderPrediction } from './prediction-jobs';

/** Predicts any folder of images with a run's best or last checkpoint; the job's state shows here as it goes, and in the sidebar. */
export function PredictFolder({ runId }: { runId: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [imagesDir, setImagesDir] = useState('');
  const [outDir, setOutDir] = useState('');
  const [checkpoint, setCheckpoint] = useState<'best' | 'last'>('best');
  const [encoding, setEncoding] = useState<PredictionEncoding>('mask-values');
  const [started, setStarted] = useState<FolderPrediction | null>(null);
  const { jobs } = useJobs();
  const { error, run: attempt } = useAction();
  const job = started ? jobs.find((j) => j.id === started.jobId) : undefined;
  if (!open) {
    return (
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid="predict-folder-open">
        Predict a folder…
      </button>
    );
  }
  const start = async (): Promise<void> => {
    await attempt(async () => {
      const queued = await api.invoke('runs:predictFolder', { runId, imagesDir: imagesDir.trim(), outDir: outDir.trim(), checkpoint, encoding });
      const params = queued.params as { images: string[]; maskValues?: { rgb: boolean } };
      const count = params.images.length;
      const files =
        encoding === 'mask-values'
          ? `<name>_mask.png in the dataset's own mask values (${params.maskValues?.rgb ? 'RGB palette colours' : 'index values'}) and <name>_color.png`
          : encoding === 'class-index'
            ? '<name>_index.png with class indices 0..n-1 and <name>_color.png'
            : '<name>_color.png in the class colours';
      setStarted({ jobId: queued.id, images: count, outDir: outDir.trim(), files });
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
        <button
          type="button"
          className="button primary"
          disabled={!imagesDir.trim() || !outDir.trim()}
          onClick={() => void start()}
          data-testid="predict-folder-start"
        >
          Predict
        </button>
        <button type="button" className="link-button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      <ErrorNote message={error} />
      {started ? (
        <>
          <p className="small" data-testid="predict-folder-message">
            {folderPredictionText(started, job, jobs)}
          </p>
          {job?.status === 'running' ? <JobProgress job={job} jobs={jobs} testId="predict-folder-progress" /> : null}
        </>
      ) : null}
    </div>
  );
}
