import type { ErrorMode } from './error-map';

/** Opens the side-by-side viewer on an image, with the list it came from for previous / next. */
export type OpenImage = (imageId: number, list: { imageId: number; stem: string }[], mode?: ErrorMode) => void;
/** Runs a user action, showing its error on the page. */
export type Attempt = (work: () => Promise<unknown>) => Promise<boolean>;

export const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));
