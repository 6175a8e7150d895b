import { useConnectionState } from '../hooks/ApiContext';

/** Says so when serve mode's connection drops; it reconnects by itself. */
export function ConnectionBanner() {
  const state = useConnectionState();
  if (state === 'open') return null;
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner">
      {state === 'connecting' ? 'Connecting to SegBench…' : 'Connection to SegBench lost; reconnecting…'}
    </div>
  );
}
