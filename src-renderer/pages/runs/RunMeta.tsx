import { useState } from 'react';
import type { RunDetail } from '../../../src-shared/runs';
import { ErrorNote } from '../../components/ErrorNote';
import { useApi } from '../../hooks/ApiContext';
import { navigate } from '../../hooks/useRoute';
import { useAction } from '../../hooks/useAction';

/** Name, tags, notes, archive and delete: what a person keeps about a run. */
export function RunMeta({ run }: { run: RunDetail }) {
  const api = useApi();
  const [name, setName] = useState(run.name);
  const [tags, setTags] = useState(run.tags.join(', '));
  const [notes, setNotes] = useState(run.notes);
  const [message, setMessage] = useState<string | null>(null);
  const { error, run: attempt, setError } = useAction();
  const act = async (work: () => Promise<unknown>, done: string): Promise<void> => {
    await attempt(async () => {
      await work();
      setMessage(done);
    });
  };
  const save = () =>
    act(
      () =>
        api.invoke('runs:update', {
          runId: run.id,
          name,
          notes,
          tags: tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
        }),
      'Saved.',
    );
  const remove = (): void => {
    if (run.status === 'running' || run.status === 'queued') {
      setError(`This run is ${run.status}: stop it before deleting it.`);
      return;
    }
    if (!window.confirm(`Delete "${run.name}" with its checkpoints and history? This cannot be undone.`)) return;
    void act(async () => {
      await api.invoke('runs:delete', { runId: run.id });
      navigate('runs');
    }, 'Deleted.');
  };
  return (
    <section className="card run-meta" data-testid="run-meta">
      <h2>About this run</h2>
      <div className="form-grid">
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="meta-name" />
        </label>
        <label className="field">
          <span>Tags (comma separated)</span>
          <input value={tags} onChange={(e) => setTags(e.target.value)} data-testid="meta-tags" />
        </label>
      </div>
      <label className="field">
        <span>Notes</span>
        <textarea value={notes} rows={3} onChange={(e) => setNotes(e.target.value)} data-testid="meta-notes" />
      </label>
      <div className="row">
        <button type="button" className="button primary" onClick={() => void save()} data-testid="meta-save">
          Save
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void act(() => api.invoke('runs:update', { runId: run.id, archived: !run.archived }), run.archived ? 'Restored.' : 'Archived.')}
          data-testid="meta-archive"
        >
          {run.archived ? 'Unarchive' : 'Archive'}
        </button>
        <button type="button" className="button danger" onClick={remove} data-testid="meta-delete">
          Delete…
        </button>
        {message ? <span className="muted small">{message}</span> : null}
      </div>
      <ErrorNote message={error} />
    </section>
  );
}
