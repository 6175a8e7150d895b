import type { ImageShare } from '../../../src-shared/predictions';
import { useFileUrl } from '../../hooks/ApiContext';

/** Images with the pixels that put them on a list (a confusion cell, the review queue); a click opens one. */
export function ImageShareList({
  items,
  what,
  onOpen,
  testId,
}: {
  items: readonly ImageShare[];
  what: string;
  onOpen: (imageId: number) => void;
  testId: string;
}) {
  const fileUrl = useFileUrl();
  if (items.length === 0) {
    return (
      <p className="muted small" data-testid={`${testId}-empty`}>
        No image has {what}.
      </p>
    );
  }
  return (
    <table className="table compact inspect-table" data-testid={testId}>
      <thead>
        <tr>
          <th>Image</th>
          <th />
          <th className="num">{what} (px)</th>
          <th className="num">Share of labelled pixels</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.imageId} onClick={() => onOpen(item.imageId)} data-testid={`${testId}-row`}>
            <td>
              <img className="inspect-thumb" src={fileUrl('thumb', item.imageId)} alt="" loading="lazy" />
            </td>
            <td className="mono">{item.stem}</td>
            <td className="num">{item.pixels.toLocaleString()}</td>
            <td className="num">{(item.share * 100).toFixed(item.share < 0.01 ? 2 : 1)}%</td>
            <td>{item.corrected ? <span className="tag">label corrected</span> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
