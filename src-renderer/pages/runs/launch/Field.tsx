import type { ReactNode } from 'react';

/** What every section of the launch form takes: the form, a patch to apply, and the issues by config path. */
export interface SectionProps<Form> {
  form: Form;
  set: (patch: Partial<Form>) => void;
  issues: ReadonlyMap<string, string>;
}

/** A labelled control of the launch form with the issue of its config path under it (testid `error-<path>`). */
export function Field({ label, path, issues, children }: { label: string; path: string; issues: ReadonlyMap<string, string>; children: ReactNode }) {
  const issue = issues.get(path);
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {issue ? (
        <em className="field-error" data-testid={`error-${path}`}>
          {issue}
        </em>
      ) : null}
    </label>
  );
}

/** A number typed into a field: NaN when empty, so the schema names the field instead of taking 0. */
export const typedNumber = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));
