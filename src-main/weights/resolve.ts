import { ApiError } from '../../src-shared/errors';
import type { EncoderName } from '../../src-shared/encoders';
import { findCatalogueWeights, timmModelName } from './catalogue';
import { hubBaseUrl, resolveUrl } from './hub';
import type { CachedWeights, WeightsCache } from './weights-cache';

/**
 * The cached file a run's `encoderWeights` names, for its encoder: 'imagenet' (timm's default tag
 * of the encoder, else another ImageNet tag of it, else an import without a tag, newest first;
 * the launch form's Encoder box applies the same order), a name (`resnet34.tv_in1k`),
 * or the start of a sha256 (8 hex digits or more). Weights of another architecture are refused;
 * weights not cached are refused with the commands that fetch them, online and offline.
 */
export async function resolveEncoderWeights(cache: WeightsCache, wanted: string, encoder: EncoderName, commandSuffix = ''): Promise<CachedWeights> {
  const { weights } = await cache.list();
  const text = wanted.trim().toLowerCase();
  const newest = (list: CachedWeights[]) => [...list].sort((a, b) => b.addedAt.localeCompare(a.addedAt))[0] ?? null;
  let found: CachedWeights | null;
  let what: string;
  if (/^[0-9a-f]{8,64}$/.test(text)) {
    const matches = weights.filter((w) => w.sha256.startsWith(text));
    if (matches.length > 1)
      throw new ApiError(
        'VALIDATION',
        `"${wanted}" starts ${matches.length} cached files' sha256 (${matches.map((w) => w.name).join(', ')}); give more digits.`,
      );
    found = matches[0] ?? null;
    what = `no cached weights file has a sha256 starting ${text}`;
  } else {
    const catalogue = findCatalogueWeights(text === 'imagenet' ? encoder : text);
    const ofEncoder = weights.filter((w) => w.architecture === encoder);
    found = newest(ofEncoder.filter((w) => w.name === catalogue.name || w.repo === catalogue.repo));
    // 'imagenet': another ImageNet tag of the encoder will do when timm's default is not here.
    if (!found && text === 'imagenet') found = newest(ofEncoder.filter((w) => w.name.startsWith(`${timmModelName(encoder)}.`) && w.name.endsWith('_in1k')));
    // An import without a tag (`segbench weights import FILE` names it by its architecture): the run names it.
    if (!found && text === 'imagenet') found = newest(ofEncoder.filter((w) => w.name === encoder));
    what = `${text === 'imagenet' ? `no ImageNet weights of ${encoder}` : catalogue.name} ${text === 'imagenet' ? 'are' : 'is not'} in the weights cache (${cache.root})`;
    if (!found) {
      const url = resolveUrl(hubBaseUrl(), catalogue);
      throw new ApiError(
        'VALIDATION',
        `Cannot start from encoder weights "${wanted}": ${what}. Fetch them first with \`segbench weights pull ${catalogue.name}${commandSuffix}\` (or the launch form's Download), ` +
          `about ${catalogue.approxMB} MB from ${url}. Without a network here: download that URL on another machine and run \`segbench weights import FILE --name ${catalogue.name}${commandSuffix}\`.`,
      );
    }
  }
  if (!found)
    throw new ApiError('VALIDATION', `Cannot start from encoder weights "${wanted}": ${what}. List them with \`segbench weights list${commandSuffix}\`.`);
  if (found.architecture !== encoder) {
    throw new ApiError(
      'VALIDATION',
      `Encoder weights "${wanted}" are ${found.name}, a ${found.architecture}; the run's encoder is ${encoder}. Choose weights of ${encoder}, or set the encoder to ${found.architecture}.`,
    );
  }
  return found;
}
