import { lossyMaskAdvice } from '../../src-shared/datasets';

/** A collapsible list of file names under a count, e.g. "Images without a mask: 3". */
export function FileNameList({ title, names, limit = 200 }: { title: string; names: readonly string[]; limit?: number }) {
  if (names.length === 0) return null;
  return (
    <details>
      <summary>
        {title}: {names.length}
      </summary>
      <ul className="file-list">
        {names.slice(0, limit).map((n) => (
          <li key={n}>{n}</li>
        ))}
        {names.length > limit ? <li>… and {names.length - limit} more</li> : null}
      </ul>
    </details>
  );
}

/** JPEG files offered as masks: listed, with why SegBench refuses them. */
export function LossyMasksNotice({ names }: { names: readonly string[] | undefined }) {
  if (!names || names.length === 0) return null;
  return (
    <div className="notice warn" data-testid="lossy-masks">
      <FileNameList title="JPEG masks, not imported" names={names} />
      <p>{lossyMaskAdvice}</p>
    </div>
  );
}
