import { describeValue } from '../../src-shared/classes';
import { splitSourceText } from '../../src-shared/splits';
import { lossyMaskAdvice } from '../../src-shared/datasets';
import { maxAutoClasses } from '../../src-shared/indexing';
import type { DatasetDetail } from '../../src-shared/datasets';

const list = (names: readonly string[], limit = 8): string =>
  names.length <= limit ? names.join(', ') : `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;

/** The import report as a person reads it on a terminal. */
export function formatImportReport(dataset: DatasetDetail): string {
  const lines: string[] = [];
  const { pairing } = dataset;
  lines.push(`Dataset "${dataset.name}" (${dataset.id}): ${dataset.state}`);
  lines.push(`  images: ${pairing.imagesDir}`, `  masks:  ${pairing.masksDir}`);
  lines.push(`Pairs found: ${pairing.pairs}`);
  if (pairing.imagesWithoutMasks.length) lines.push(`Images without masks (${pairing.imagesWithoutMasks.length}): ${list(pairing.imagesWithoutMasks)}`);
  if (pairing.masksWithoutImages.length) lines.push(`Masks without images (${pairing.masksWithoutImages.length}): ${list(pairing.masksWithoutImages)}`);
  for (const d of pairing.duplicates) lines.push(`Ambiguous: ${d.files.join(' and ')} share the name "${d.stem}"; both skipped`);
  if (pairing.ignored.length) lines.push(`Not images, ignored (${pairing.ignored.length}): ${list(pairing.ignored)}`);
  const lossy = pairing.lossyMasks ?? [];
  if (lossy.length) lines.push(`JPEG masks, not imported (${lossy.length}): ${list(lossy)}. ${lossyMaskAdvice}`);
  lines.push(`Indexed: ${dataset.indexedCount} of ${dataset.imageCount}; problems: ${dataset.problemCount}`);
  for (const p of dataset.problems) lines.push(`  skipped ${p.stem}: ${p.message}`);
  if (dataset.bands) {
    const { bands, dataType, names } = dataset.bands;
    lines.push(`Bands: ${bands} x ${dataType} (multispectral GeoTIFF): ${names.map((n, i) => `${i + 1} ${n}`).join(', ')}`);
  }
  if (dataset.alpha) {
    const { images, bands, examples } = dataset.alpha;
    const which = images === 1 ? `1 image has ${bands}: ${examples[0]}` : `${images} images have ${bands}, e.g. ${list(examples, 5)}`;
    lines.push(`Alpha: ${which}. The alpha band is dropped: SegBench reads the RGB bands, as for any picture.`);
  }

  const kind = dataset.maskKind ?? 'index';
  const total = dataset.values.reduce((sum, v) => sum + v.pixels, 0) || 1;
  const known = dataset.values.filter((v) => v.classIndex !== null);
  const unknown = dataset.values.filter((v) => v.classIndex === null);
  lines.push(
    `Masks: ${kind === 'rgb' ? 'RGB palette colours' : 'class indices'}; ${known.length} palette value(s)${dataset.preset ? `, preset ${dataset.preset}` : ''}:`,
  );
  for (const v of known) {
    const c = dataset.classes[v.classIndex ?? 0];
    lines.push(
      `  ${describeValue(kind, v.value).padEnd(26)} ${(c?.name ?? '?').padEnd(18)} ${((100 * v.pixels) / total).toFixed(2).padStart(6)}% of pixels, in ${v.images} images${c?.ignore ? ' (ignore)' : ''}`,
    );
  }
  if (dataset.classes.length === 0 && dataset.values.length > maxAutoClasses) {
    lines.push(
      `${dataset.values.length} distinct mask values (more than ${maxAutoClasses}): SegBench did not create the classes on its own. ` +
        'Look for noisy masks above; then choose a preset (--preset), name the classes on the Classes tab, ' +
        'or import again with --preset none to make one class per value.',
    );
  } else if (unknown.length) {
    lines.push(`Unknown values (not in the palette; treated as ignore, never as a class):`);
    for (const v of unknown) {
      lines.push(`  ${describeValue(kind, v.value).padEnd(26)} ${v.pixels} pixels in ${v.images} images, e.g. ${list(v.exampleImages, 5)}`);
    }
  }
  const s = dataset.splitCounts;
  const source = splitSourceText(dataset.splitConfig?.from);
  lines.push(`Split: train ${s.train}, val ${s.val}, test ${s.test}${s.none ? `, unassigned ${s.none}` : ''} (from ${source}; change it with segbench split)`);
  if (dataset.state === 'unusable') lines.push(unusableAdvice(dataset));
  return lines.join('\n');
}

/** Why a dataset whose every image was skipped cannot be trained on, and what to do. */
export function unusableAdvice(dataset: Pick<DatasetDetail, 'imageCount'>): string {
  return (
    `No image could be used: ${dataset.imageCount === 1 ? 'the one paired image was' : `all ${dataset.imageCount} paired images were`} skipped, ` +
    "for the reasons under 'skipped' above. Nothing can be trained on this dataset: fix or replace those files, " +
    'then run segbench import again with the same name (it re-indexes them).'
  );
}
