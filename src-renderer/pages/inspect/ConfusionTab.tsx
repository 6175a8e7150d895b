import { useState } from 'react';
import type { ImageShare, PredictionVariantSummary } from '../../../src-shared/predictions';
import { useApi } from '../../hooks/ApiContext';
import { ConfusionMatrix } from './ConfusionMatrix';
import { ImageShareList } from './ImageShareList';
import type { Attempt, OpenImage } from './tab-props';

/** The confusion matrix of the stored validation predictions, with the images behind a clicked cell. */
export function ConfusionTab({
  runId,
  plain,
  classNames,
  classColors,
  openFrom,
  attempt,
}: {
  runId: string;
  plain: PredictionVariantSummary | undefined;
  classNames: string[];
  classColors: string[];
  openFrom: OpenImage;
  attempt: Attempt;
}) {
  const api = useApi();
  const [cell, setCell] = useState<[number, number] | null>(null);
  const [cellImages, setCellImages] = useState<ImageShare[] | null>(null);
  const showCell = (truth: number, predicted: number) =>
    attempt(async () => {
      setCell([truth, predicted]);
      setCellImages(await api.invoke('samples:confusionImages', { runId, truth, predicted }));
    });
  return plain ? (
    <div className="row top">
      <div>
        <p className="muted small">Rows are the ground truth, normalised to 100%; click a cell for the images that contribute most to it.</p>
        <ConfusionMatrix classNames={classNames} classColors={classColors} confusion={plain.confusion} selected={cell} onCell={(t, p) => void showCell(t, p)} />
      </div>
      <div className="grow">
        {cell && cellImages ? (
          <>
            <h3 data-testid="confusion-cell-title">
              Predicted {classNames[cell[1]]} where the truth is {classNames[cell[0]]}
            </h3>
            <ImageShareList
              items={cellImages}
              what="pixels in this cell"
              testId="confusion-images"
              onOpen={(imageId) => openFrom(imageId, cellImages, { kind: 'pair', truth: cell[0], predicted: cell[1] })}
            />
          </>
        ) : null}
      </div>
    </div>
  ) : (
    <p className="muted">Predict the validation images to see the confusion matrix.</p>
  );
}
