import { useEffect, useMemo, useState } from 'react';
import type { Job } from '../../src-shared/jobs';
import { useApi } from './ApiContext';

/** Recent engine jobs, newest first: loaded once, then kept current by `job:update` events. */
export function useJobs(): { jobs: Job[]; error: string | null } {
  const api = useApi();
  const [byId, setById] = useState<ReadonlyMap<string, Job>>(new Map());
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const unsubscribe = api.on('job:update', (job) => {
      setById((previous) => new Map(previous).set(job.id, job));
    });
    api
      .invoke('jobs:list', {})
      .then((list) =>
        setById((previous) => {
          const merged = new Map(list.map((job) => [job.id, job] as const));
          // Events that arrived while the list was loading are newer than the list.
          for (const [id, job] of previous) merged.set(id, job);
          return merged;
        }),
      )
      .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
    return unsubscribe;
  }, [api]);

  const jobs = useMemo(() => [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [byId]);
  return { jobs, error };
}
