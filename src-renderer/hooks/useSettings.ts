import { useCallback, useEffect, useState } from 'react';
import type { Settings } from '../../src-shared/settings';
import { useApi } from './ApiContext';

/** The app settings, kept current by `settings:changed`; `update` saves through the API. */
export function useSettings(): {
  settings: Settings | undefined;
  update: (patch: Partial<Settings>) => Promise<void>;
  error: string | null;
} {
  const api = useApi();
  const [settings, setSettings] = useState<Settings>();
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const unsubscribe = api.on('settings:changed', setSettings);
    api
      .invoke('settings:get', {})
      .then(setSettings)
      .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
    return unsubscribe;
  }, [api]);

  const update = useCallback(
    async (patch: Partial<Settings>) => {
      try {
        setSettings(await api.invoke('settings:update', patch));
        setError(null);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    },
    [api],
  );
  return { settings, update, error };
}

/** Applies the theme choice to <html data-theme>; `system` leaves it to prefers-color-scheme. */
export function useThemeAttribute(theme: Settings['theme'] | undefined): void {
  useEffect(() => {
    if (!theme || theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
}
