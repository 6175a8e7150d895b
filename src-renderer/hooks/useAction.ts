import { useCallback, useState } from 'react';

export function errorText(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

/**
 * One way for a component to run something the user asked for: the error of the last attempt as
 * text (cleared when the next one starts), and whether one is under way.
 */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (work: () => Promise<unknown>, onError?: () => void): Promise<boolean> => {
    setError(null);
    setBusy(true);
    try {
      await work();
      return true;
    } catch (failure) {
      setError(errorText(failure));
      onError?.();
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run, setError };
}
