import { useCallback, useEffect, useState } from 'react';
import type { EventName, MethodName, RequestOf, ResponseOf } from '../../src-shared/contract';
import { useApi } from './ApiContext';

interface QueryState<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /**
   * Whether `data` and `error` answer the request as it is now: false from the moment the request
   * changes until its answer arrives (the previous answer stays meanwhile). A reload of the same
   * request keeps it true.
   */
  fresh: boolean;
  reload: () => void;
}

/**
 * Calls one API method and keeps its answer; calls it again when any of `refreshOn` events
 * arrives (events, never polling). `request` is compared by its JSON text.
 */
export function useApiQuery<M extends MethodName>(method: M, request: RequestOf<M>, refreshOn: readonly EventName[] = []): QueryState<ResponseOf<M>> {
  const api = useApi();
  const [data, setData] = useState<ResponseOf<M>>();
  const [error, setError] = useState<string | null>(null);
  // The request text that data or error answers.
  const [answered, setAnswered] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const requestKey = JSON.stringify(request);
  const eventsKey = refreshOn.join(',');
  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  useEffect(() => {
    let current = true;
    api
      .invoke(method, JSON.parse(requestKey) as RequestOf<M>)
      .then((result) => {
        if (!current) return;
        setData(result);
        setError(null);
        setAnswered(requestKey);
      })
      .catch((failure: unknown) => {
        if (!current) return;
        setError(failure instanceof Error ? failure.message : String(failure));
        setAnswered(requestKey);
      });
    return () => {
      current = false;
    };
  }, [api, method, requestKey, generation]);

  useEffect(() => {
    if (!eventsKey) return undefined;
    const unsubscribers = eventsKey.split(',').map((event) => api.on(event as EventName, reload));
    return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
  }, [api, eventsKey, reload]);

  // Loading until the first answer; a reload keeps showing the previous answer until the next arrives.
  return { data, error, loading: data === undefined && error === null, fresh: answered === requestKey, reload };
}
