import { useSyncExternalStore } from 'react';

export const pages = [
  { id: 'datasets', label: 'Datasets' },
  { id: 'runs', label: 'Runs' },
  { id: 'compare', label: 'Compare' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'settings', label: 'Settings' },
] as const;
export type PageId = (typeof pages)[number]['id'];

function currentPage(): PageId {
  const id = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return pages.find((page) => page.id === id)?.id ?? 'datasets';
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

/** Hash routing (`#/runs`): works the same from file:// in Electron and over http in serve mode. */
export function useRoute(): PageId {
  return useSyncExternalStore(subscribe, currentPage);
}

export function hrefFor(page: PageId): string {
  return `#/${page}`;
}
