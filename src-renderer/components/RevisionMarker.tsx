import type { ImageRevisions } from '../../src-shared/revisions';
import { count } from '../../src-shared/words';
import { useApi } from '../hooks/ApiContext';
import { useAction } from '../hooks/useAction';

const clock = (iso: string): string => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/**
 * What every viewer of a mask says about it once it has revisions: "corrected · revision 2 of 3:
 * painted Road (…)" with Revert to original, or, with the original back in effect, when it came
 * back and Put back. Both are recorded moves (RevisionService.restore): no revision or file is
 * deleted and the original file is never written.
 */
export function RevisionMarker({ revisions, onChange }: { revisions: ImageRevisions | null; onChange: (next: ImageRevisions) => void }) {
  const api = useApi();
  const { error, busy, run } = useAction();
  if (!revisions || revisions.items.length === 0) return null;
  const restore = (revisionId: number | null): void => {
    void run(async () => onChange(await api.invoke('revisions:restore', { imageId: revisions.imageId, revisionId })));
  };
  const position = revisions.items.findIndex((r) => r.id === revisions.current);
  const current = revisions.items[position];
  const errorNote = error ? (
    <span className="error-text small" role="alert">
      {' '}
      {error}
    </span>
  ) : null;
  if (current) {
    return (
      <span
        className="revision-marker small"
        data-testid="revision-marker"
        title={`${current.summary}: ${current.changedPixels.toLocaleString()} px changed · ${clock(current.createdAt)}`}
      >
        <span className="badge corrected">corrected</span>{' '}
        <span className="revision-summary">
          · revision {position + 1} of {revisions.items.length}: {current.summary}
        </span>
        <button type="button" className="button" disabled={busy} onClick={() => restore(null)} data-testid="revision-revert">
          Revert to original
        </button>
        {errorNote}
      </span>
    );
  }
  // Back at the original: when and how it came back, and the revision it left, to put back.
  const last = revisions.moves.at(-1);
  const left = last && last.toId === null ? last.fromId : null;
  const putBack = left ?? revisions.redoTo ?? null;
  const when = last && last.toId === null ? `${last.how === 'undo' ? 'undone' : 'reverted'} at ${clock(last.createdAt)}; ` : '';
  return (
    <span className="revision-marker small muted" data-testid="revision-marker">
      Original mask in effect ({when}
      {count(revisions.items.length, 'correction')} kept)
      {putBack !== null ? (
        <button type="button" className="button" disabled={busy} onClick={() => restore(putBack)} data-testid="revision-put-back">
          Put back revision {revisions.items.findIndex((r) => r.id === putBack) + 1}
        </button>
      ) : null}
      {errorNote}
    </span>
  );
}
