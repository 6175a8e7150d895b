import { MiddleEllipsis } from '../../components/MiddleEllipsis';
import { count } from '../../../src-shared/words';
import { useState } from 'react';
import type { DatasetDetail, ImageListItem, ImagesRequest } from '../../../src-shared/datasets';
import { ErrorNote } from '../../components/ErrorNote';
import { MaskThumb } from '../../components/mask/MaskThumb';
import { VirtualGrid } from '../../components/VirtualGrid';
import { useFileUrl } from '../../hooks/ApiContext';
import { useApiQuery } from '../../hooks/useApiQuery';
import { ImageViewer } from './ImageViewer';

type SplitFilter = NonNullable<ImagesRequest['split']> | 'all';

/** Every tile of the dataset as a thumbnail, filtered by split and class share, with masks over them. */
export function ImagesTab({ dataset }: { dataset: DatasetDetail }) {
  const fileUrl = useFileUrl();
  const [split, setSplit] = useState<SplitFilter>('all');
  const [classIndex, setClassIndex] = useState<number | null>(null);
  const [minShare, setMinShare] = useState(0);
  const [sortByShare, setSortByShare] = useState(false);
  const [showMasks, setShowMasks] = useState(true);
  const [open, setOpen] = useState<number | null>(null);
  const query = useApiQuery(
    'datasets:images',
    {
      datasetId: dataset.id,
      ...(split === 'all' ? {} : { split }),
      ...(classIndex === null ? {} : { classIndex, minShare: minShare / 100, sort: sortByShare ? 'share' : 'name' }),
    },
    ['dataset:changed'],
  );
  const items = (query.data?.items ?? []).filter((item) => item.problem === null);
  const openIndex = open === null ? -1 : items.findIndex((item) => item.id === open);
  const kind = dataset.maskKind ?? 'index';
  return (
    <div data-testid="images-tab">
      <div className="filters row" data-testid="image-filters">
        <label className="field inline">
          <span>Split</span>
          <select value={split} onChange={(e) => setSplit(e.target.value as SplitFilter)} data-testid="filter-split">
            <option value="all">All</option>
            <option value="train">Train</option>
            <option value="val">Validation</option>
            <option value="test">Test</option>
          </select>
        </label>
        <label className="field inline">
          <span>Containing class</span>
          <select value={classIndex ?? ''} onChange={(e) => setClassIndex(e.target.value === '' ? null : Number(e.target.value))} data-testid="filter-class">
            <option value="">Any</option>
            {dataset.classes.map((c, i) => (
              <option key={i} value={i}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>At least {minShare}% of the image</span>
          <input
            type="range"
            min={0}
            max={95}
            step={5}
            value={minShare}
            disabled={classIndex === null}
            onChange={(e) => setMinShare(Number(e.target.value))}
            data-testid="filter-min-share"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={sortByShare} disabled={classIndex === null} onChange={(e) => setSortByShare(e.target.checked)} /> Largest share first
        </label>
        <label className="check">
          <input type="checkbox" checked={showMasks} onChange={(e) => setShowMasks(e.target.checked)} data-testid="toggle-masks" /> Masks
        </label>
        <span className="muted small" data-testid="image-count">
          {count(items.length, 'image')}
        </span>
      </div>
      <ErrorNote message={query.error} />
      {query.data && items.length === 0 && (split !== 'all' || classIndex !== null) ? (
        <div className="empty-state small" data-testid="images-empty">
          <p>
            No image matches these filters
            {split !== 'all' ? ` (split: ${split}` : ' ('}
            {classIndex !== null ? `${split !== 'all' ? ', ' : ''}${dataset.classes[classIndex]?.name ?? 'class'} on at least ${minShare}% of the image` : ''}).
          </p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setSplit('all');
              setClassIndex(null);
              setMinShare(0);
              setSortByShare(false);
            }}
            data-testid="images-clear-filters"
          >
            Clear the filters
          </button>
        </div>
      ) : null}
      <VirtualGrid
        items={items}
        cellWidth={168}
        cellHeight={196}
        keyOf={(item) => item.id}
        testId="image-grid"
        renderCell={(item: ImageListItem) => (
          <button type="button" className="thumb" onClick={() => setOpen(item.id)} data-testid="thumb" title={item.stem}>
            <span className="thumb-frame">
              {/* Not indexed yet (or unreadable): no thumbnail exists to ask for. */}
              {item.width === null ? (
                <span className="thumb-pending muted small">{item.problem ? 'unreadable' : 'indexing…'}</span>
              ) : (
                <>
                  <img src={fileUrl('thumb', item.id)} alt={item.stem} loading="lazy" />
                  {showMasks ? <MaskThumb url={fileUrl('thumb-mask', item.id)} kind={kind} classes={dataset.classes} opacity={0.45} /> : null}
                </>
              )}
            </span>
            <span className="thumb-caption">
              <MiddleEllipsis text={item.stem} className="thumb-name" />
              <span className="muted">
                {item.split ?? '-'}
                {item.share !== null ? ` · ${(100 * item.share).toFixed(1)}%` : ''}
              </span>
            </span>
          </button>
        )}
      />
      {openIndex >= 0 ? (
        <ImageViewer
          dataset={dataset}
          imageId={items[openIndex]!.id}
          onClose={() => setOpen(null)}
          onStep={(delta) => setOpen(items[(openIndex + delta + items.length) % items.length]!.id)}
        />
      ) : null}
    </div>
  );
}
