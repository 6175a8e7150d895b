import { useRoute } from '../hooks/useRoute';
import { LaunchForm } from './runs/LaunchForm';
import { RunsList } from './runs/RunsList';
import { RunView } from './runs/RunView';

export function RunsPage() {
  const { params } = useRoute();
  const [first, second] = params;
  if (first === 'new') return <LaunchForm cloneOf={second} />;
  if (first) return <RunView runId={first} />;
  return <RunsList />;
}
