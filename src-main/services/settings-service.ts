import { defaultSettings, settingsSchema } from '../../src-shared/settings';
import type { Settings } from '../../src-shared/settings';
import type { Statements } from '../db/statements';

/** Settings live in the `settings` table as JSON values by key; unknown or stale keys are ignored. */
export class SettingsService {
  constructor(private readonly statements: Statements) {}

  get(): Settings {
    const stored: Record<string, unknown> = {};
    for (const row of this.statements.settingsAll.all()) {
      try {
        // Checked below, key by key, with the setting's own schema.
        const value: unknown = JSON.parse(row.value);
        stored[row.key] = value;
      } catch {
        // A hand-edited value that is not JSON falls back to the default below.
      }
    }
    const merged = { ...defaultSettings };
    for (const key of Object.keys(defaultSettings) as (keyof Settings)[]) {
      const candidate = settingsSchema.shape[key].safeParse(stored[key]);
      if (candidate.success) Object.assign(merged, { [key]: candidate.data });
    }
    return merged;
  }

  update(patch: Partial<Settings>): Settings {
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) this.statements.settingsPut.run({ key, value: JSON.stringify(value) });
    }
    return this.get();
  }
}
