import { useCallback, useEffect, useState } from 'react';
import type { RunDetail, StepPoint } from '../../src-shared/runs';
import { useApi } from './ApiContext';
import { errorText } from './useDataset';

/**
 * A run's detail and its step losses: loaded once, then reloaded on each `run:update` for this
 * run (the events main sends as epochs and steps arrive; the renderer never polls). A window
 * opened mid-run therefore shows the history first, then continues live.
 */
export function useRun(runId: string, maxPoints = 1000): { run: RunDetail | undefined; steps: StepPoint[]; error: string | null } {
  const api = useApi();
  const [run, setRun] = useState<RunDetail>();
  const [steps, setSteps] = useState<StepPoint[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let current = true;
    Promise.all([api.invoke('runs:get', { runId }), api.invoke('runs:steps', { runId, maxPoints })])
      .then(([detail, stepData]) => {
        if (!current) return;
        setRun(detail);
        setSteps(stepData.steps);
        setError(null);
      })
      .catch((failure: unknown) => current && setError(errorText(failure)));
    return () => {
      current = false;
    };
  }, [api, runId, maxPoints, generation]);

  useEffect(
    () =>
      api.on('run:update', (summary) => {
        if (summary.id === runId) reload();
      }),
    [api, runId, reload],
  );
  return { run, steps, error };
}
