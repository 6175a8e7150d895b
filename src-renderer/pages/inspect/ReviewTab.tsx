import { useState } from 'react';
import type { ImageShare, PredictionVariantSummary } from '../../../src-shared/predictions';
import { useApi } from '../../hooks/ApiContext';
import { ImageShareList } from './ImageShareList';
import type { Attempt, OpenImage } from './tab-props';

/** The review queue: images where the model confidently disagrees with the ground truth, likely label errors first. */
export function ReviewTab({ runId, plain, openFrom, attempt }: { runId: string; plain: PredictionVariantSummary | undefined; openFrom: OpenImage; attempt: Attempt }) {
  const api = useApi();
  const [confidence, setConfidence] = useState(0.9);
  const [queue, setQueue] = useState<ImageShare[] | null>(null);
  const loadQueue = (value: number) =>
    attempt(async () => {
      setConfidence(value);
      setQueue(await api.invoke('samples:reviewQueue', { runId, threshold: value }));
    });
  return plain ? (
    <>
      <div className="row">
        <label className="field inline">
          <span>Prediction confidence at least</span>
          <select value={confidence} onChange={(e) => void loadQueue(Number(e.target.value))} data-testid="review-threshold">
            {[0.5, 0.6, 0.7, 0.8, 0.9, 0.95].map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button primary" onClick={() => void loadQueue(confidence)} data-testid="review-load">
          Build the review queue
        </button>
        <span className="muted small">Images where the model confidently disagrees with the ground truth, as a share of the image: likely label errors first.</span>
      </div>
      {queue ? <ImageShareList items={queue} what="confidently wrong pixels" testId="review-queue" onOpen={(imageId) => openFrom(imageId, queue)} /> : null}
    </>
  ) : (
    <p className="muted">Predict the validation images to build the review queue.</p>
  );
}
