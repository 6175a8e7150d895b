import type { RunStatus } from '../../src-shared/run-config';

export function StatusBadge({ status, reason }: { status: RunStatus; reason?: string | null }) {
  return (
    <span className={`badge run-${status}`} title={reason ?? undefined} data-testid="run-status" data-status={status}>
      {status}
    </span>
  );
}
