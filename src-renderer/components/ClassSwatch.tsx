import { needsOutline } from '../../src-shared/class-colors';

/** A class's colour as a small square, outlined when too light to read on white; the same colour as everywhere else. */
export function ClassSwatch({ color }: { color: string }) {
  return (
    <span
      className={`swatch${needsOutline(color) ? ' outlined' : ''}`}
      style={{ background: color }}
      data-testid="class-swatch"
      data-color={color}
      aria-hidden
    />
  );
}
