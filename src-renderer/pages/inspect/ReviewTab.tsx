import { useState } from 'react';
import type { PredictionVariantSummary, ReviewQueue } from '../../../src-shared/predictions';
import { useApi } from '../../hooks/ApiContext';
import { ImageShareList } from './ImageShareList';
import type { Attempt, OpenImage } from './tab-props';

/** A threshold level rounded down to 0.01, so that it still includes its pixels. */
const lower = (threshold: number): number => Math.floor(threshold * 100) / 100;

/** The review queue: images where the model confidently disagrees with the ground truth, likely label errors first. */
export function ReviewTab({
  runId,
  plain,
  openFrom,
  attempt,
}: {
  runId: string;
  plain: PredictionVariantSummary | undefined;
  openFrom: OpenImage;
  attempt: Attempt;
}) {
  const api = useApi();
  const [confidence, setConfidence] = useState(0.9);
  const [queue, setQueue] = useState<ReviewQueue | null>(null);
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
            {[...new Set([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, confidence])]
              .sort((a, b) => a - b)
              .map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
          </select>
        </label>
        <button type="button" className="button primary" onClick={() => void loadQueue(confidence)} data-testid="review-load">
          Build the review queue
        </button>
        <span className="muted small">
          Images where the model confidently disagrees with the ground truth, as a share of the image: likely label errors first.
        </span>
      </div>
      {queue && queue.items.length === 0 ? (
        <p className="muted small" data-testid="review-queue-empty">
          No image has confidently wrong pixels at {confidence}.{' '}
          {queue.highestThreshold === null ? (
            'The model agrees with every labelled pixel.'
          ) : queue.highestThreshold < 0.5 ? (
            `Its wrong pixels are all below 50% confidence (the most confident at ${lower(queue.highestThreshold)}): nothing stands out as a likely label error yet. Train longer and predict again.`
          ) : (
            <>
              The most confident wrong pixel is at {lower(queue.highestThreshold)}:{' '}
              <button type="button" className="link-button" onClick={() => void loadQueue(lower(queue.highestThreshold!))} data-testid="review-lower">
                build the queue at {lower(queue.highestThreshold)}
              </button>
              .
            </>
          )}
        </p>
      ) : queue ? (
        <ImageShareList items={queue.items} what="confidently wrong pixels" testId="review-queue" onOpen={(imageId) => openFrom(imageId, queue.items)} />
      ) : null}
    </>
  ) : (
    <p className="muted">Predict the validation images to build the review queue.</p>
  );
}
