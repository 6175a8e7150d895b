import { describeValue, findPreset } from '../../../src-shared/classes';
import { splitSourceText } from '../../../src-shared/splits';
import type { DatasetDetail } from '../../../src-shared/datasets';
import { FileNameList, LossyMasksNotice } from '../../components/FileNameList';
import { SceneLeakNotice } from './SceneSplit';

const problemLabels: Record<string, string> = {
  'missing-file': 'File missing',
  'unreadable-image': 'Image unreadable',
  'unreadable-mask': 'Mask unreadable',
  'size-mismatch': 'Mask size differs',
  'not-a-class-mask': 'Not a class mask',
  'noisy-mask': 'Mask looks like noise',
  'band-mismatch': 'Other bands than the dataset',
};

/** What the import found: pairing, skipped files with the reason, and colours outside the palette. */
export function ReportTab({ dataset }: { dataset: DatasetDetail }) {
  const { pairing } = dataset;
  const unknown = dataset.values.filter((v) => v.classIndex === null);
  const kind = dataset.maskKind ?? 'index';
  return (
    <div className="report" data-testid="report-tab">
      <section className="card">
        <h2>Pairing</h2>
        <p>
          {pairing.pairs} pairs from <span className="mono">{pairing.imagesDir}</span> and <span className="mono">{pairing.masksDir}</span>.
        </p>
        <p className="small" data-testid="report-classes-split">
          Classes: {dataset.preset ? `the ${findPreset(dataset.preset)?.name ?? dataset.preset} preset` : 'no preset (named on the Classes tab)'},{' '}
          {kind === 'rgb' ? 'RGB palette colours' : 'class indices'} in the masks. Split: train {dataset.splitCounts.train}, val {dataset.splitCounts.val}, test{' '}
          {dataset.splitCounts.test}
          {dataset.splitCounts.none ? `, unassigned ${dataset.splitCounts.none}` : ''} (from {splitSourceText(dataset.splitConfig?.from)}; change it on the
          Splits tab).
        </p>
        <FileNameList title="Images without a mask" names={pairing.imagesWithoutMasks} />
        <FileNameList title="Masks without an image" names={pairing.masksWithoutImages} />
        <FileNameList title="Ambiguous names, skipped" names={pairing.duplicates.map((d) => d.files.join(' / '))} />
        <FileNameList title="Not images, ignored" names={pairing.ignored} />
        <LossyMasksNotice names={pairing.lossyMasks} />
        {dataset.alpha ? (
          <p className="muted small" data-testid="alpha-notice">
            {dataset.alpha.images === 1 ? '1 image has' : `${dataset.alpha.images} images have`} {dataset.alpha.bands} (
            <span className="mono">{dataset.alpha.examples.join(', ')}</span>
            {dataset.alpha.images > dataset.alpha.examples.length ? ', …' : ''}). The alpha band is dropped: SegBench reads the RGB bands, as for any picture.
          </p>
        ) : null}
        <SceneLeakNotice dataset={dataset} />
      </section>
      <section className="card">
        <h2>Skipped images ({dataset.problems.length})</h2>
        {dataset.problems.length === 0 ? (
          <p className="muted">Every paired image and mask decoded and matched in size.</p>
        ) : (
          <table className="table compact" data-testid="problems-table">
            <thead>
              <tr>
                <th>Image</th>
                <th>Problem</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {dataset.problems.map((p) => (
                <tr key={p.imageId}>
                  <td className="mono">{p.stem}</td>
                  <td>{problemLabels[p.kind] ?? p.kind}</td>
                  <td className="reason">{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2>Unknown mask values ({unknown.length})</h2>
        {unknown.length === 0 ? (
          <p className="muted">Every mask value belongs to a class.</p>
        ) : (
          <>
            <p className="muted small">
              These values are in no class. Their pixels are ignored in training and metrics, never counted as a class. Give them a class on the Classes tab if
              they mean one.
            </p>
            <table className="table compact" data-testid="unknown-table">
              <thead>
                <tr>
                  <th>Value</th>
                  <th className="num">Pixels</th>
                  <th className="num">Images</th>
                  <th>For example in</th>
                </tr>
              </thead>
              <tbody>
                {unknown.map((v) => (
                  <tr key={v.value}>
                    <td>
                      {kind === 'rgb' ? (
                        <span className="swatch" style={{ background: `rgb(${v.value >> 16},${(v.value >> 8) & 255},${v.value & 255})` }} />
                      ) : null}
                      {describeValue(kind, v.value)}
                    </td>
                    <td className="num">{v.pixels.toLocaleString()}</td>
                    <td className="num">{v.images}</td>
                    <td className="mono small">{v.exampleImages.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </div>
  );
}
