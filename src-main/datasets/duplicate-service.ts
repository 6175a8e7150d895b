import type { HashJobParams } from '../../src-shared/duplicates';
import type { EngineData } from '../../src-shared/engine-protocol';
import { ApiError } from '../../src-shared/errors';
import type { Db } from '../db/connection';
import type { Statements } from '../db/statements';
import type { JobService } from '../jobs/job-service';
import type { TypedJob } from '../jobs/job-service';

interface DuplicateServiceOptions {
  db: Db;
  statements: Statements;
  jobs: JobService;
  onChanged: (datasetId: string) => void;
}

/**
 * Near-duplicates: the engine computes a perceptual signature per image (a `hash` job, only for
 * images without a current one); main stores them stamped with the file's size and mtime, and
 * groups them on request at any threshold without decoding again.
 */
export class DuplicateService {
  constructor(private readonly options: DuplicateServiceOptions) {
    options.jobs.handleKind('hash', {
      onData: (_job, data) => this.store(data),
      onEnd: (job) => options.onChanged(job.params.datasetId),
    });
  }

  /** Queues signatures for the images that lack a current one; null when all are current. */
  find(datasetId: string): TypedJob<'hash'> | null {
    const dataset = this.options.statements.datasetById.get(datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${datasetId}.`);
    if (this.options.jobs.activeJobs('hash', (p) => p.datasetId === datasetId).length > 0) {
      throw new ApiError('CONFLICT', `Near-duplicates of "${dataset.name}" are being computed right now.`);
    }
    const items = this.options.statements.unsignedImages
      .all(datasetId)
      .map((r) => ({ imageId: r.id, imagePath: r.image_path, stamp: [r.image_size, r.image_mtime] as [number, number] }));
    if (items.length === 0) return null;
    const params: HashJobParams = { datasetId, items };
    return this.options.jobs.enqueue('hash', params);
  }

  private store(data: EngineData): void {
    if (data.kind !== 'hashed') return;
    this.options.db.transaction(() => {
      for (const image of data.images) {
        const signature = Buffer.from(Float32Array.from(image.signature).buffer);
        this.options.statements.signaturePut.run({ id: image.imageId, signature, size: image.stamp[0], mtime: image.stamp[1] });
      }
    })();
    this.options.onChanged(data.datasetId);
  }
}
