import type { ExternalModel, PredictedMasks } from '../../../src-shared/external-model';
import { fileSizeText } from '../../../src-shared/model-export';
import { count } from '../../../src-shared/words';

/** The importer's sentences, one a line: what it found in the file or folder and what it decided. */
export function ExternalFindings({ findings }: { findings: readonly string[] }) {
  return (
    <ul className="findings" data-testid="external-findings">
      {findings.map((finding, i) => (
        <li key={i} data-testid="external-finding">
          {finding}
        </li>
      ))}
    </ul>
  );
}

/** Mean and std as the user states them (0..1 pixels, as torchvision's Normalize); stored on 0..255. */
const unitText = (values: readonly number[]): string => values.map((v) => Number((v / 255).toFixed(4))).join(' / ');

/**
 * An imported model's card on its run page, where a trained run has curves: the file it came from,
 * what the importer found (layout, output, stride, normalisation, class order) and its findings.
 */
export function ExternalModelPanel({ model, classNames, window }: { model: ExternalModel; classNames: readonly string[]; window: number }) {
  const reordered = model.classOrder.some((channel, c) => channel !== c);
  return (
    <section className="card external-model" data-testid="external-model">
      <h2>Imported ONNX model</h2>
      <dl className="facts">
        <dt>Imported from</dt>
        <dd className="mono" data-testid="external-source">
          {model.source}
        </dd>
        <dt>SegBench&apos;s copy</dt>
        <dd>
          <span className="mono">{model.file}</span> <span className="muted small">({fileSizeText(model.bytes)})</span>
        </dd>
        <dt>Input</dt>
        <dd data-testid="external-layout">
          {model.layout.toUpperCase()}, {model.channels} channels;{' '}
          {model.fixedSize !== null ? `fixed ${model.fixedSize}x${model.fixedSize} px` : `height and width multiples of ${model.stride} px`}
        </dd>
        <dt>Output</dt>
        <dd data-testid="external-output">
          {model.output === 'logits' ? 'logits (SegBench takes the softmax)' : 'probabilities'}, {model.classes} classes
        </dd>
        <dt>Window</dt>
        <dd>
          {window}x{window} px, slid over larger images
        </dd>
        <dt>Normalisation</dt>
        <dd data-testid="external-normalization">
          mean {unitText(model.normalization.mean)}, std {unitText(model.normalization.std)} on 0..1 pixels
        </dd>
        {reordered ? (
          <>
            <dt>Class order</dt>
            <dd data-testid="external-class-order">{classNames.map((name, c) => `${name} ← output ${model.classOrder[c]}`).join(' · ')}</dd>
          </>
        ) : null}
      </dl>
      <h3>What the importer found</h3>
      <ExternalFindings findings={model.findings} />
    </section>
  );
}

/**
 * Imported predicted masks' card on their run page, where a trained run has curves: the folder they
 * came from, SegBench's copies, how many images they cover and what the import found (which files
 * paired with no image, the encoding they are read in).
 */
export function PredictedMasksPanel({ masks }: { masks: PredictedMasks }) {
  return (
    <section className="card external-model" data-testid="predicted-masks">
      <h2>Imported predicted masks</h2>
      <dl className="facts">
        <dt>Imported from</dt>
        <dd className="mono" data-testid="masks-source">
          {masks.source}
        </dd>
        <dt>SegBench&apos;s copy</dt>
        <dd className="mono" data-testid="masks-copy">
          {masks.dir}
        </dd>
        <dt>Masks</dt>
        <dd data-testid="masks-count">{count(Object.keys(masks.files).length, 'mask')}, each paired with the dataset image of its name</dd>
        <dt>Model</dt>
        <dd className="muted">none here: the masks were predicted elsewhere, so they are scored as they are (no windows, no TTA, no loss)</dd>
      </dl>
      <h3>What the import found</h3>
      <ExternalFindings findings={masks.findings} />
    </section>
  );
}
