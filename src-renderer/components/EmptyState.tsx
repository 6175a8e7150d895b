import type { ReactNode } from 'react';

/** What a page shows when it has nothing yet: what this place is for, and the next step. */
export function EmptyState({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <section className="empty-state" data-testid={testId}>
      <h2>{title}</h2>
      <div className="empty-state-body">{children}</div>
    </section>
  );
}
