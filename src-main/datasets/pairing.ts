import { extname } from 'node:path';

export const imageExtensions = ['.jpg', '.jpeg', '.png', '.tif', '.tiff'];
const maskExtensions = ['.png', '.tif', '.tiff'];

// File-name conventions of public datasets: DeepGlobe's 104113_sat.jpg / 104113_mask.png, and
// similar image/label suffixes. Matched case-insensitively at the end of the stem.
const imageSuffixes = ['_sat', '_image', '_img', '_rgb', '_ortho'];
const maskSuffixes = ['_mask', '_masks', '_label', '_labels', '_gt', '_lbl', '_seg', '_annotation'];

export interface FileEntry {
  /** File name inside its folder. */
  name: string;
  path: string;
  /** The name it pairs by when that differs from `name`: without its images/masks folder. */
  pairName?: string;
}

/**
 * Folder names that say what a dataset's folder holds, as public releases name them: LoveDA's
 * images_png / masks_png, ADE20K's images / annotations, VOC's JPEGImages / SegmentationClass,
 * Cityscapes' leftImg8bit / gtFine, and the plain images / masks, img / ann, image / label.
 * Compared in lower case, as whole folder names.
 */
const imageFolderNames = new Set(['images', 'image', 'imgs', 'img', 'images_png', 'image_png', 'rgb', 'sat', 'jpegimages', 'leftimg8bit', 'tiles', 'photos']);
const maskFolderNames = new Set([
  'masks',
  'mask',
  'masks_png',
  'mask_png',
  'labels',
  'label',
  'ann',
  'anns',
  'annotations',
  'annotation',
  'gt',
  'gtfine',
  'groundtruth',
  'ground_truth',
  'segmentationclass',
  'labels_png',
]);

/**
 * What a file's nearest role folder says it is, and the name it pairs by without that folder:
 * `Train/Rural/images_png/1.png` -> image, `Train/Rural/1.png`. Null outside any role folder.
 */
function folderRole(name: string): { role: 'image' | 'mask'; pairName: string; folder: string } | null {
  const parts = name.split('/');
  for (let i = parts.length - 2; i >= 0; i -= 1) {
    const folder = parts[i]!.toLowerCase();
    const role = imageFolderNames.has(folder) ? 'image' : maskFolderNames.has(folder) ? 'mask' : null;
    if (role) return { role, pairName: [...parts.slice(0, i), ...parts.slice(i + 1)].join('/'), folder: parts.slice(0, i + 1).join('/') };
  }
  return null;
}

interface Pair {
  stem: string;
  image: FileEntry;
  mask: FileEntry;
}

export interface PairingReport {
  pairs: Pair[];
  imagesWithoutMasks: string[];
  masksWithoutImages: string[];
  /** Several files claiming the same stem on one side (e.g. a.jpg and a.png among the images). */
  duplicates: { stem: string; files: string[] }[];
  /** Files that are neither images nor masks by their extension. */
  ignored: string[];
  /** JPEG files offered as masks: refused, since lossy compression changes label values. */
  lossyMasks: string[];
  /** One folder given: the sub-folders taken as images and as masks by their names (at most 8 each). */
  roles?: { images: string[]; masks: string[] };
}

const isJpeg = (name: string): boolean => /\.jpe?g$/i.test(name);

function stemOf(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}

function stripSuffix(stem: string, suffixes: readonly string[]): { stem: string; matched: boolean } {
  const lower = stem.toLowerCase();
  for (const suffix of suffixes) {
    if (lower.endsWith(suffix) && stem.length > suffix.length) return { stem: stem.slice(0, -suffix.length), matched: true };
  }
  return { stem, matched: false };
}

function hasExtension(name: string, extensions: readonly string[]): boolean {
  return extensions.includes(extname(name).toLowerCase());
}

function byStem(files: readonly FileEntry[], suffixes: readonly string[], report: PairingReport): Map<string, FileEntry> {
  const groups = new Map<string, FileEntry[]>();
  for (const file of files) {
    const key = stripSuffix(stemOf(file.pairName ?? file.name), suffixes).stem;
    const group = groups.get(key);
    if (group) group.push(file);
    else groups.set(key, [file]);
  }
  const unique = new Map<string, FileEntry>();
  for (const [stem, entries] of groups) {
    if (entries.length > 1) report.duplicates.push({ stem, files: entries.map((e) => e.name).sort() });
    else if (entries[0]) unique.set(stem, entries[0]);
  }
  return unique;
}

/**
 * Pairs images with masks by file stem. With two folders every supported file on each side takes
 * part; with one folder (images and masks together) a file is a mask when its stem ends in a mask
 * suffix, else when it is a PNG/TIFF beside a JPEG of the same stem.
 */
export function pairFiles(images: readonly FileEntry[], masks: readonly FileEntry[] | null): PairingReport {
  const report: PairingReport = { pairs: [], imagesWithoutMasks: [], masksWithoutImages: [], duplicates: [], ignored: [], lossyMasks: [] };
  let imageFiles: FileEntry[];
  let maskFiles: FileEntry[];
  if (masks === null) {
    ({ imageFiles, maskFiles } = splitOneFolder(images, report));
  } else {
    // Loops, never push(...list): a folder of 150,000 files is more arguments than a call takes.
    imageFiles = [];
    maskFiles = [];
    for (const file of images) {
      if (hasExtension(file.name, imageExtensions)) imageFiles.push(file);
      else report.ignored.push(file.name);
    }
    for (const file of masks) {
      if (hasExtension(file.name, maskExtensions)) maskFiles.push(file);
      else if (isJpeg(file.name)) report.lossyMasks.push(file.name);
      else report.ignored.push(file.name);
    }
  }
  const imageByStem = byStem(imageFiles, imageSuffixes, report);
  const maskByStem = byStem(maskFiles, maskSuffixes, report);
  for (const [stem, image] of imageByStem) {
    const mask = maskByStem.get(stem);
    if (mask) report.pairs.push({ stem, image, mask });
    else report.imagesWithoutMasks.push(image.name);
  }
  for (const [stem, mask] of maskByStem) if (!imageByStem.has(stem)) report.masksWithoutImages.push(mask.name);
  report.pairs.sort((a, b) => a.stem.localeCompare(b.stem, 'en', { numeric: true }));
  report.imagesWithoutMasks.sort();
  report.masksWithoutImages.sort();
  report.ignored.sort();
  report.lossyMasks.sort();
  return report;
}

function splitOneFolder(files: readonly FileEntry[], report: PairingReport): { imageFiles: FileEntry[]; maskFiles: FileEntry[] } {
  const imageFiles: FileEntry[] = [];
  const maskFiles: FileEntry[] = [];
  const supported: FileEntry[] = [];
  const roles = { images: new Set<string>(), masks: new Set<string>() };
  for (const file of files) {
    if (!hasExtension(file.name, imageExtensions)) {
      report.ignored.push(file.name);
      continue;
    }
    // A file under an images or masks folder (a dataset's root given) takes that folder's role
    // and pairs by its path without it, so Train/Rural/images_png/1.png meets masks_png/1.png.
    const role = folderRole(file.name);
    if (!role) {
      supported.push(file);
      continue;
    }
    const entry = { ...file, pairName: role.pairName };
    if (role.role === 'image') {
      imageFiles.push(entry);
      roles.images.add(role.folder);
    } else if (isJpeg(file.name)) {
      report.lossyMasks.push(file.name);
    } else {
      maskFiles.push(entry);
      roles.masks.add(role.folder);
    }
  }
  if (roles.images.size > 0 || roles.masks.size > 0)
    report.roles = { images: [...roles.images].sort().slice(0, 8), masks: [...roles.masks].sort().slice(0, 8) };
  const jpegStems = new Set(supported.filter((f) => /\.jpe?g$/i.test(f.name)).map((f) => stripSuffix(stemOf(f.name), imageSuffixes).stem));
  for (const file of supported) {
    const stem = stemOf(file.name);
    if (stripSuffix(stem, maskSuffixes).matched) {
      if (isJpeg(file.name)) report.lossyMasks.push(file.name);
      else maskFiles.push(file);
    } else if (stripSuffix(stem, imageSuffixes).matched || /\.jpe?g$/i.test(file.name)) imageFiles.push(file);
    else if (jpegStems.has(stem) && hasExtension(file.name, maskExtensions)) maskFiles.push(file);
    else imageFiles.push(file);
  }
  return { imageFiles, maskFiles };
}
