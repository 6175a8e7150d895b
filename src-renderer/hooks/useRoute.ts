import { useSyncExternalStore } from 'react';

export const pages = [
  { id: 'datasets', label: 'Datasets' },
  { id: 'runs', label: 'Runs' },
  { id: 'compare', label: 'Compare' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'settings', label: 'Settings' },
] as const;
export type PageId = (typeof pages)[number]['id'];

interface Route {
  page: PageId;
  /** Path segments after the page: `#/datasets/<id>/stats` gives ['<id>', 'stats']. */
  params: string[];
}

let cached: { hash: string; route: Route } | null = null;

function currentRoute(): Route {
  const hash = window.location.hash;
  if (cached?.hash === hash) return cached.route;
  const [id = '', ...params] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const page = pages.find((candidate) => candidate.id === id)?.id ?? 'datasets';
  cached = { hash, route: { page, params: params.filter(Boolean) } };
  return cached.route;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

/** Hash routing (`#/datasets/<id>`): works the same from file:// in Electron and over http in serve mode. */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, currentRoute);
}

export function hrefFor(page: PageId, ...params: (string | number)[]): string {
  return `#/${[page, ...params.map((p) => encodeURIComponent(String(p)))].join('/')}`;
}

export function navigate(page: PageId, ...params: (string | number)[]): void {
  window.location.hash = hrefFor(page, ...params);
}
