import type { CSSProperties, ReactNode } from 'react';
import type { SidePane } from './side-panes';

interface Props {
  pane: SidePane;
  imageUrl: string;
  /** The shared stage transform (one zoom and pan for every pane). */
  stage: CSSProperties;
  pixelated: boolean;
  /** The region being drawn, drawn over every pane. */
  overlay: ReactNode;
  /** Mouse handlers of the current tool (pan, polygon, brush). */
  handlers: object;
  /** Where the pane's overlay canvas is kept, by layer, for painting. */
  canvasRef: (layer: number, element: HTMLCanvasElement | null) => void;
  /** Hides this pane; absent when it is the last one. */
  onHide: (() => void) | null;
}

/** One pane of the side-by-side grid: the image, its overlay layer (error maps over a faded image), the region, a title and a hide button. */
export function SidePaneView({ pane: { id, title, layer }, imageUrl, stage, pixelated, overlay, handlers, canvasRef, onHide }: Props) {
  return (
    <div className="pane viewport" {...handlers}>
      <div className="stage" style={stage}>
        <img src={imageUrl} alt="" draggable={false} style={layer === 2 || layer === 4 ? { opacity: 0.35 } : undefined} />
        {layer === null ? null : (
          <canvas ref={(element) => canvasRef(layer, element)} className={pixelated ? 'pixelated' : ''} data-testid={`side-layer-${layer}`} />
        )}
        {overlay}
      </div>
      <span className="pane-title">{title}</span>
      {onHide ? (
        <button
          type="button"
          className="pane-close"
          aria-label={`Hide the panel ${title}`}
          title="Hide this panel"
          onMouseDown={(event) => event.stopPropagation()}
          onClick={(event) => {
            event.stopPropagation();
            onHide();
          }}
          data-testid={`pane-close-${id}`}
        >
          ×
        </button>
      ) : null}
    </div>
  );
}
