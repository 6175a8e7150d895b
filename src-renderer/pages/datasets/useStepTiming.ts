import { useCallback, useEffect, useState } from 'react';
import type { RunConfig } from '../../../src-shared/run-config';
import { timingKey } from './label-error-plan';
import type { StepTiming } from './label-error-plan';
import { errorText } from '../../hooks/useAction';
import { useApi } from '../../hooks/ApiContext';

/** How long inputs must rest before a new measurement is queued: typing a size queues one job, not one per key. */
const settleMs = 600;

/**
 * A config's step and image times (`runs:estimate`, an engine job), measured when asked and then
 * measured again whenever the config changes in a way that changes them (`timingKey`), one
 * measurement at a time; `measured` keeps its key, so a caller shows it only for its own config.
 * `config` null: nothing to measure. `ready` false (the inputs are refused) holds the next measurement.
 */
export function useStepTiming(config: RunConfig | null, ready: boolean) {
  const api = useApi();
  const [wanted, setWanted] = useState(false);
  const [measured, setMeasured] = useState<StepTiming | null>(null);
  const [inFlight, setInFlight] = useState<string | null>(null);
  const [failed, setFailed] = useState<{ key: string; message: string } | null>(null);
  const key = config ? timingKey(config) : null;

  const measureNow = useCallback(
    async (of: RunConfig): Promise<void> => {
      const measuring = timingKey(of);
      setInFlight(measuring);
      try {
        const result = await api.invoke('runs:estimate', of);
        setMeasured({
          key: measuring,
          stepSeconds: result.stepSeconds,
          imageSeconds: result.validationImages > 0 ? result.validationSeconds / result.validationImages : 0,
        });
        setFailed(null);
      } catch (failure) {
        setFailed({ key: measuring, message: errorText(failure) });
      } finally {
        setInFlight(null);
      }
    },
    [api],
  );

  useEffect(() => {
    if (!wanted || !config || !ready || key === null || key === measured?.key || key === failed?.key || inFlight !== null) return undefined;
    const timer = setTimeout(() => void measureNow(config), settleMs);
    return () => clearTimeout(timer);
  }, [wanted, config, ready, key, measured?.key, failed?.key, inFlight, measureNow]);

  /** The user asks for the time: measured now, and again after every change that alters it. */
  const measure = useCallback(() => {
    setWanted(true);
    setFailed(null);
    if (config && inFlight === null) void measureNow(config);
  }, [config, inFlight, measureNow]);

  return { key, measured, wanted, error: failed && failed.key === key ? failed.message : null, measure };
}
