import type { JSX } from 'react';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Sidebar } from './components/Sidebar';
import { useJobs } from './hooks/useJobs';
import { useRoute } from './hooks/useRoute';
import type { PageId } from './hooks/useRoute';
import { useSettings, useThemeAttribute } from './hooks/useSettings';
import { ComparePage } from './pages/ComparePage';
import { DatasetsPage } from './pages/DatasetsPage';
import { InspectPage } from './pages/InspectPage';
import { RunsPage } from './pages/RunsPage';
import { SettingsPage } from './pages/SettingsPage';

const pageComponents: Record<PageId, () => JSX.Element> = {
  datasets: DatasetsPage,
  runs: RunsPage,
  compare: ComparePage,
  inspect: InspectPage,
  settings: SettingsPage,
};

export function App() {
  const { page } = useRoute();
  const { jobs } = useJobs();
  const { settings } = useSettings();
  useThemeAttribute(settings?.theme);
  const Page = pageComponents[page];
  return (
    <div className="shell">
      <Sidebar current={page} jobs={jobs} />
      <main className="content">
        <ConnectionBanner />
        <Page />
      </main>
    </div>
  );
}
