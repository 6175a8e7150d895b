import type { EncoderName } from './encoders';
import { z } from './zod';

/** Pretrained encoder weights as the launch form and `weights:list` show them. */
interface CachedWeightsInfo {
  /** `resnet34.a1_in1k`, or the architecture alone for an import without a tag. */
  name: string;
  architecture: EncoderName;
  sha256: string;
  size: number;
  source: 'hub' | 'import';
  addedAt: string;
}

/** The weights 'imagenet' stands for, per encoder: timm's default tag, and where the hub serves it. */
interface DefaultWeightsInfo {
  encoder: EncoderName;
  name: string;
  approxMB: number;
  url: string;
}

/** A download from the hub started in the app, as its progress bar shows it. */
export interface WeightsDownload {
  name: string;
  state: 'downloading' | 'finished' | 'failed';
  /** Bytes on disk (resumed ones included) and the file's size; total 0 until the hub has said. */
  done: number;
  total: number;
  /** Seconds left at the recent pace; null until measured. */
  etaSeconds: number | null;
  /** Why it failed, with what to do by hand (the URL, the import command); or how it ended. */
  message: string | null;
}

export interface WeightsOverview {
  cached: CachedWeightsInfo[];
  defaults: DefaultWeightsInfo[];
  /** This process's downloads, the latest of each name. */
  downloads: WeightsDownload[];
  /** Where the cache is. */
  root: string;
}

export const weightsPullRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).describe("A catalogue name: resnet34 (timm's default tag) or resnet34.tv_in1k."),
});
