import type { ExternalModel } from '../../../src-shared/external-model';
import { fileSizeText } from '../../../src-shared/model-export';

/** The importer's sentences, one a line: what it found in the file and what it decided. */
export function ExternalFindings({ model }: { model: ExternalModel }) {
  return (
    <ul className="findings" data-testid="external-findings">
      {model.findings.map((finding, i) => (
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
          {model.layout.toUpperCase()}, {model.channels} channels; {model.fixedSize !== null ? `fixed ${model.fixedSize}x${model.fixedSize} px` : `height and width multiples of ${model.stride} px`}
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
      <ExternalFindings model={model} />
    </section>
  );
}
