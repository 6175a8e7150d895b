import type { ReactNode } from 'react';

/** The top bar of an image viewer: the image's name, what the viewer reports, then step, fit and close. */
export function ViewerBar({
  title,
  children,
  onStep,
  onFit,
  onClose,
  closeTestId,
}: {
  title: string;
  children: ReactNode;
  onStep: (delta: number) => void;
  /** Fit the image to the view; absent where the view always fits. */
  onFit?: (() => void) | undefined;
  onClose: () => void;
  closeTestId: string;
}) {
  return (
    <header className="viewer-bar">
      <strong className="mono">{title}</strong>
      {children}
      <span className="spacer" />
      <button type="button" className="button" onClick={() => onStep(-1)} aria-label="Previous image">
        ←
      </button>
      <button type="button" className="button" onClick={() => onStep(1)} aria-label="Next image">
        →
      </button>
      {onFit ? (
        <button type="button" className="button" onClick={onFit}>
          Fit
        </button>
      ) : null}
      <button type="button" className="button" onClick={onClose} data-testid={closeTestId}>
        Close
      </button>
    </header>
  );
}
