/** Colours for classes that have none of their own (a run whose dataset is gone). */
export const fallbackClassColors = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];

/**
 * One colour per class everywhere (viewer, charts, heatmap, confusion matrix, Compare): the
 * dataset's colour for the class of that name, else a fallback by position.
 */
export function classColorsFor(classNames: readonly string[], datasetClasses: readonly { name: string; color: string }[]): string[] {
  const byName = new Map(datasetClasses.map((c) => [c.name, c.color]));
  return classNames.map((name, i) => byName.get(name) ?? fallbackClassColors[i % fallbackClassColors.length]!);
}

/** Relative luminance (WCAG) of '#rrggbb', 0 (black) to 1 (white); null for anything else. */
export function luminance(hex: string): number | null {
  const match = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!match) return null;
  const value = Number.parseInt(match[1]!, 16);
  const channel = (shift: number): number => {
    const c = ((value >> shift) & 255) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0);
}

/**
 * True when a colour is too light to read on white (contrast under 1.6:1, such as white,
 * pale yellow or light grey): lines and swatches in it get a dark outline.
 */
export function needsOutline(hex: string): boolean {
  const l = luminance(hex);
  return l !== null && 1.05 / (l + 0.05) < 1.6;
}
