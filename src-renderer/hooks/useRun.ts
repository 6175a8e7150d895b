import { useEffect, useRef, useState } from 'react';
import type { RunDetail, StepPoint } from '../../src-shared/runs';
import { useApi } from './ApiContext';
import { errorText } from './useDataset';

/** Reloads triggered by events are spaced at least this far apart (one trailing reload catches up). */
const minReloadMs = 1000;

/** What a chart shows changed: new epochs, a new status, new events or more steps. */
function sameRun(a: RunDetail | undefined, b: RunDetail): boolean {
  return (
    !!a &&
    a.id === b.id &&
    a.status === b.status &&
    a.epochsDone === b.epochsDone &&
    a.epochHistory.length === b.epochHistory.length &&
    a.events.length === b.events.length &&
    a.name === b.name &&
    a.archived === b.archived &&
    a.notes === b.notes &&
    a.tags.join() === b.tags.join() &&
    a.reason === b.reason
  );
}

/**
 * A run's detail and its step losses: loaded once, then reloaded on `run:update` events for this
 * run (never by polling), at most once a second, and kept as the same objects when nothing
 * changed so the charts do not re-render. A page opened mid-run shows the history first.
 */
export function useRun(runId: string, maxPoints = 1000): { run: RunDetail | undefined; steps: StepPoint[]; error: string | null } {
  const api = useApi();
  const [run, setRun] = useState<RunDetail>();
  const [steps, setSteps] = useState<{ total: number; points: StepPoint[] }>({ total: -1, points: [] });
  const [error, setError] = useState<string | null>(null);
  const timing = useRef({ loading: false, pending: false, last: 0, timer: null as ReturnType<typeof setTimeout> | null });

  useEffect(() => {
    let alive = true;
    const state = timing.current;
    const load = async (): Promise<void> => {
      state.loading = true;
      state.pending = false;
      state.last = Date.now();
      try {
        const [detail, stepData] = await Promise.all([api.invoke('runs:get', { runId }), api.invoke('runs:steps', { runId, maxPoints })]);
        if (!alive) return;
        setRun((previous) => (sameRun(previous, detail) ? previous : detail));
        setSteps((previous) => (previous.total === stepData.total ? previous : { total: stepData.total, points: stepData.steps }));
        setError(null);
      } catch (failure) {
        if (alive) setError(errorText(failure));
      } finally {
        state.loading = false;
        if (alive && state.pending) schedule();
      }
    };
    const schedule = (): void => {
      if (state.loading || state.timer) {
        state.pending = true;
        return;
      }
      const wait = Math.max(0, state.last + minReloadMs - Date.now());
      state.timer = setTimeout(() => {
        state.timer = null;
        void load();
      }, wait);
    };
    void load();
    const unsubscribe = api.on('run:update', (summary) => {
      if (summary.id === runId) schedule();
    });
    return () => {
      alive = false;
      unsubscribe();
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
    };
  }, [api, runId, maxPoints]);

  return { run, steps: steps.points, error };
}
