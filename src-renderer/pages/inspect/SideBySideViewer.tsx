import { useEffect, useMemo, useRef, useState } from 'react';
import type { ClassDef, MaskKind } from '../../../src-shared/classes';
import { ErrorNote } from '../../components/ErrorNote';
import { RevisionMarker } from '../../components/RevisionMarker';
import { ViewerBar } from '../../components/ViewerBar';
import { useFileUrl } from '../../hooks/ApiContext';
import { usePaneGridView } from '../../hooks/usePanZoom';
import { describeCounts, describePixel } from './viewer-text';
import type { ErrorMode } from './error-map';
import { LabelPanel } from './LabelPanel';
import { ViewerControls } from './ViewerControls';
import type { RunChoice } from './ViewerControls';
import { RegionOverlay } from './side-by-side/RegionOverlay';
import { SidePaneView } from './side-by-side/SidePaneView';
import { paintSideLayers } from './side-by-side/side-layers';
import { paneGridStyle, sidePanes } from './side-by-side/side-panes';
import { useRegionDrawing } from './side-by-side/useRegionDrawing';
import { useSideMasks } from './side-by-side/useSideMasks';

interface Props {
  run: RunChoice;
  /** Other runs on the same dataset, to show their prediction beside this run's. */
  otherRuns: readonly RunChoice[];
  imageId: number;
  stem: string;
  /** The run's training classes, in label order. */
  classNames: readonly string[];
  /** The dataset's classes, to read the ground-truth mask and take display colours from. */
  datasetClasses: readonly ClassDef[];
  maskKind: MaskKind;
  initialMode?: ErrorMode | undefined;
  onClose: () => void;
  onStep: (delta: number) => void;
}

/**
 * Image, ground truth, prediction and error map of one validation image with one zoom and pan for
 * all, optionally a second run's prediction and errors beside them, and label correction: draw a
 * region, accept the prediction or paint a class, undo and redo. Labels are the run's training
 * labels (the ignore class and unknown values: unknownClass).
 */
export function SideBySideViewer({ run, otherRuns, imageId, stem, classNames, datasetClasses, maskKind, initialMode, onClose, onStep }: Props) {
  const fileUrl = useFileUrl();
  const [mode, setMode] = useState<ErrorMode>(initialMode ?? { kind: 'by-true-class' });
  const [opacity, setOpacity] = useState(0.6);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [otherRunId, setOtherRunId] = useState('');
  // Panels the user closed (by id), so that the others get the room at 1280x800.
  const [closedPanes, setClosedPanes] = useState<ReadonlySet<string>>(new Set());
  const canvases = useRef<(HTMLCanvasElement | null)[]>([]);

  // Training classes as class definitions whose mask values are the labels themselves.
  const labelClasses: ClassDef[] = useMemo(
    () =>
      classNames.map((name, label) => ({
        name,
        color: datasetClasses.find((c) => c.name === name)?.color ?? '#888888',
        values: [label],
        ignore: false,
      })),
    [classNames, datasetClasses],
  );
  const { data, error, otherMissing, revisions, onRevisions } = useSideMasks({
    imageId,
    runId: run.id,
    otherRunId,
    maskKind,
    datasetClasses,
    classNames,
    labelClasses,
  });
  // One zoom and pan for every pane, fitted once per image (when its size is known) and per other run.
  const { gridRef: grid, view, pan, toImagePoint, stage, fit } = usePaneGridView(data?.width ?? 0, data?.height ?? 0, otherRunId);
  const drawing = useRegionDrawing(pan, (event) => toImagePoint(event, event.currentTarget), data);

  // Every overlay as RGBA, and what the error maps show; painted into the canvases below.
  const rendered = useMemo(() => (data ? paintSideLayers(data, labelClasses, mode, opacity, hidden) : null), [data, labelClasses, mode, opacity, hidden]);
  const counts = rendered?.counts ?? null;
  useEffect(() => {
    if (!rendered) return;
    rendered.layers.forEach((pixels, index) => {
      const canvas = canvases.current[index];
      const context = canvas?.getContext('2d');
      if (!canvas || !context) return;
      canvas.width = rendered.width;
      canvas.height = rendered.height;
      context.putImageData(new ImageData(pixels, rendered.width, rendered.height), 0, 0);
    });
  }, [rendered]);

  const otherName = otherRuns.find((r) => r.id === otherRunId)?.name;
  const allPanes = sidePanes({
    mode,
    classNames,
    runName: run.name,
    corrected: Boolean(revisions?.current),
    otherName: otherRunId && !otherMissing ? (otherName ?? '') : null,
  });
  const panes = allPanes.filter((p) => !closedPanes.has(p.id));
  const closedHere = allPanes.length - panes.length;
  const overlay = data ? <RegionOverlay width={data.width} height={data.height} region={drawing.region} draft={drawing.draft} scale={view.scale} /> : null;
  const { hover } = drawing;

  return (
    <div className="viewer-backdrop" role="dialog" aria-modal="true" aria-label="Ground truth against prediction" data-testid="side-viewer">
      <div className="viewer">
        <ViewerBar title={stem} onStep={onStep} onFit={fit} onClose={onClose} closeTestId="side-close">
          <span className="muted small" data-testid="side-accuracy">
            {counts ? describeCounts(mode, counts.main) : ''}
          </span>
          <RevisionMarker revisions={revisions} onChange={onRevisions} />
        </ViewerBar>
        {closedHere > 0 ? (
          <button type="button" className="link-button small side-show-panes" onClick={() => setClosedPanes(new Set())} data-testid="side-show-panes">
            Show all panels ({closedHere} hidden)
          </button>
        ) : null}
        <p className="small side-hover" data-testid="side-hover">
          {data && hover
            ? describePixel(data, hover, { datasetClasses, classNames, runName: run.name, otherName: otherName ?? null })
            : 'Hover a pixel for its true and predicted class.'}
        </p>
        <ViewerControls
          mode={mode}
          onMode={setMode}
          classNames={classNames}
          labelClasses={labelClasses}
          opacity={opacity}
          onOpacity={setOpacity}
          hidden={hidden}
          onHidden={setHidden}
          otherRuns={otherRuns}
          otherRunId={otherRunId}
          onOtherRun={setOtherRunId}
        />
        <ErrorNote message={error} />
        {otherMissing ? (
          <p className="notice warn small" data-testid="side-other-missing">
            {otherName ?? 'That run'} has no stored prediction of this image: predict its validation images on the Inspect page (choose it as the run there),
            then pick it here again.
          </p>
        ) : null}
        <div className="viewer-body">
          <div className={`side-grid tool-${drawing.tool}`} ref={grid} style={paneGridStyle(panes.length)} data-testid="side-grid" data-panes={panes.length}>
            {panes.map((pane) => (
              <SidePaneView
                key={pane.id}
                pane={pane}
                imageUrl={fileUrl('image', imageId)}
                stage={stage}
                pixelated={view.scale > 2}
                overlay={overlay}
                handlers={drawing.handlers}
                canvasRef={(layer, element) => {
                  canvases.current[layer] = element;
                }}
                onHide={panes.length > 1 ? () => setClosedPanes((set) => new Set(set).add(pane.id)) : null}
              />
            ))}
          </div>
          <aside className="viewer-side">
            <LabelPanel
              imageId={imageId}
              runId={run.id}
              runName={run.name}
              datasetClasses={datasetClasses}
              revisions={revisions}
              region={drawing.region}
              tool={drawing.tool}
              brushRadius={drawing.brushRadius}
              onTool={drawing.setTool}
              onBrushRadius={drawing.setBrushRadius}
              onClearRegion={drawing.clear}
              onRevisions={onRevisions}
            />
            {counts?.other ? (
              <p className="small" data-testid="side-other-accuracy">
                {otherName}: {describeCounts(mode, counts.other)}
              </p>
            ) : null}
          </aside>
        </div>
      </div>
    </div>
  );
}
