import { useEffect, useRef, useState } from 'react';
import type { ClassDef } from '../../../src-shared/classes';
import type { Region } from '../../../src-shared/raster';
import type { ImageRevisions } from '../../../src-shared/revisions';
import { useApi } from '../../hooks/ApiContext';
import { useAction } from '../../hooks/useAction';
import { fromTextField, undoRedoKey } from '../../hooks/keyboard';

export type Tool = 'pan' | 'polygon' | 'brush';

interface Props {
  imageId: number;
  runId: string;
  runName: string;
  datasetClasses: readonly ClassDef[];
  revisions: ImageRevisions | null;
  region: Region;
  tool: Tool;
  brushRadius: number;
  onTool: (tool: Tool) => void;
  onBrushRadius: (radius: number) => void;
  onClearRegion: () => void;
  /** A revision was made or another put in effect. */
  onRevisions: (revisions: ImageRevisions) => void;
}

const time = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/**
 * Label correction beside the viewer: accept the run's prediction (whole image or inside a drawn
 * region), paint a region with a class, undo, redo, revert, and the image's revision history.
 * Every action is one revision in the data directory; the original mask file is never written.
 */
export function LabelPanel(props: Props) {
  const { imageId, runId, runName, datasetClasses, revisions, region, tool, brushRadius } = props;
  const api = useApi();
  const [paintClass, setPaintClass] = useState(() =>
    Math.max(
      0,
      datasetClasses.findIndex((c) => !c.ignore),
    ),
  );
  const { error, busy, run: attempt } = useAction();
  const hasRegion = region.polygons.length > 0 || region.strokes.length > 0;

  const act = async (call: () => Promise<ImageRevisions>): Promise<void> => {
    await attempt(async () => {
      props.onRevisions(await call());
      props.onClearRegion();
    });
  };
  // Ctrl+Z and Ctrl+Shift+Z (or Ctrl+Y) undo and redo corrections, unless the user is typing in a field.
  const keys = useRef({ undo: () => {}, redo: () => {} });
  useEffect(() => {
    keys.current = {
      undo: () => {
        if (!busy && revisions?.undoTo !== undefined) void act(() => api.invoke('revisions:undo', { imageId }));
      },
      redo: () => {
        if (!busy && revisions?.redoTo !== undefined) void act(() => api.invoke('revisions:redo', { imageId }));
      },
    };
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const action = undoRedoKey(event);
      if (!action || fromTextField(event)) return;
      event.preventDefault();
      keys.current[action]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const current = revisions?.items.find((r) => r.id === revisions.current);
  const position = current ? (revisions?.items.indexOf(current) ?? 0) + 1 : 0;

  return (
    <div className="label-panel" data-testid="label-panel">
      <h3>Fix the label</h3>
      <p className="muted small">
        Each change is a revision stored in the data directory; the original mask file is never written. The next run trains on the mask in effect.
      </p>
      <button
        type="button"
        className="button primary"
        disabled={busy}
        onClick={() => void act(() => api.invoke('revisions:create', { action: 'accept-prediction', imageId, runId }))}
        data-testid="label-accept"
      >
        Accept prediction as ground truth
      </button>
      <div className="label-tools">
        <span className="small muted">Draw a region:</span>
        <div className="row" role="radiogroup" aria-label="Tool">
          {(['pan', 'polygon', 'brush'] as const).map((t) => (
            <button
              key={t}
              type="button"
              className={`button ${tool === t ? 'active' : ''}`}
              aria-pressed={tool === t}
              onClick={() => props.onTool(t)}
              data-testid={`tool-${t}`}
            >
              {t === 'pan' ? 'Pan' : t === 'polygon' ? 'Polygon' : 'Brush'}
            </button>
          ))}
        </div>
        {tool === 'polygon' ? <span className="small muted">Click the corners; double-click or press Enter to close.</span> : null}
        {tool === 'brush' ? (
          <label className="field inline small">
            <span>Brush radius (px)</span>
            <input type="number" min={1} max={256} value={brushRadius} onChange={(e) => props.onBrushRadius(Math.max(1, Number(e.target.value) || 1))} />
          </label>
        ) : null}
        <button
          type="button"
          className="button"
          disabled={busy || !hasRegion}
          onClick={() => void act(() => api.invoke('revisions:create', { action: 'accept-prediction', imageId, runId, region }))}
          data-testid="label-accept-region"
        >
          Accept prediction inside the region
        </button>
        <div className="row">
          <button
            type="button"
            className="button"
            disabled={busy || !hasRegion}
            onClick={() => void act(() => api.invoke('revisions:create', { action: 'paint', imageId, classIndex: paintClass, region }))}
            data-testid="label-paint"
          >
            Paint the region as
          </button>
          <select value={paintClass} onChange={(e) => setPaintClass(Number(e.target.value))} aria-label="Class to paint" data-testid="label-paint-class">
            {datasetClasses.map((c, i) => (
              <option key={c.name} value={i}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="link-button small" disabled={!hasRegion} onClick={props.onClearRegion}>
          Clear the region
        </button>
      </div>
      <div className="row">
        <button
          type="button"
          className="button"
          disabled={busy || revisions?.undoTo === undefined}
          onClick={() => void act(() => api.invoke('revisions:undo', { imageId }))}
          data-testid="label-undo"
        >
          Undo
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || revisions?.redoTo === undefined}
          onClick={() => void act(() => api.invoke('revisions:redo', { imageId }))}
          data-testid="label-redo"
        >
          Redo
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || revisions?.current === null}
          onClick={() => void act(() => api.invoke('revisions:restore', { imageId, revisionId: null }))}
          data-testid="label-revert"
        >
          Revert to original
        </button>
      </div>
      {error ? (
        <p className="error-text small" role="alert" data-testid="label-error">
          {error}
        </p>
      ) : null}
      <p className="small" data-testid="label-state">
        {revisions === null
          ? ''
          : current
            ? `Revision ${position} of ${revisions.items.length} in effect.`
            : `Original mask in effect (${revisions.items.length} revision${revisions.items.length === 1 ? '' : 's'} kept).`}
      </p>
      <ol className="revision-list" data-testid="revision-list">
        <li className={revisions?.current === null ? 'current' : ''}>
          <button
            type="button"
            className="link-button small"
            disabled={busy || revisions?.current === null}
            onClick={() => void act(() => api.invoke('revisions:restore', { imageId, revisionId: null }))}
          >
            Original
          </button>
        </li>
        {revisions?.items.map((r) => (
          <li key={r.id} className={r.id === revisions.current ? 'current' : ''} data-testid="revision-item">
            <button
              type="button"
              className="link-button small"
              disabled={busy || r.id === revisions.current}
              onClick={() => void act(() => api.invoke('revisions:restore', { imageId, revisionId: r.id }))}
            >
              {r.summary}
            </button>
            <span className="muted small">
              {' '}
              · {r.changedPixels.toLocaleString()} px · {time(r.createdAt)}
            </span>
          </li>
        ))}
      </ol>
      {revisions && revisions.moves.length > 0 ? (
        <>
          <p className="small muted">Undo, redo and reverts (each recorded; nothing is deleted):</p>
          <ol className="revision-list" data-testid="revision-moves">
            {revisions.moves.slice(-8).map((m) => (
              <li key={m.id} className="small">
                {m.summary} <span className="muted">· {time(m.createdAt)}</span>
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <p className="muted small">Predictions shown are from run “{runName}”.</p>
    </div>
  );
}
