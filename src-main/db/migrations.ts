/**
 * Numbered migrations. `PRAGMA user_version` holds the number of the last one applied; each runs
 * in its own transaction with the version bump, so a file is never left between two versions.
 * Append only: never edit a migration that has shipped.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'settings and engine jobs',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','finished','failed','cancelled')),
        params TEXT NOT NULL,
        queue_position INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        progress TEXT,
        reason TEXT,
        result TEXT,
        engine_pid INTEGER,
        heartbeat_at TEXT
      ) STRICT;
      CREATE INDEX jobs_status ON jobs(status, queue_position);
    `,
  },
  {
    version: 2,
    description: 'datasets, images and runs (catalogue skeleton)',
    sql: `
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        images_dir TEXT NOT NULL,
        masks_dir TEXT NOT NULL,
        classes TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL DEFAULT 'indexing' CHECK (state IN ('indexing','ready','incomplete')),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        stem TEXT NOT NULL,
        image_path TEXT NOT NULL,
        mask_path TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        split TEXT,
        UNIQUE (dataset_id, stem)
      ) STRICT;

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id TEXT REFERENCES datasets(id) ON DELETE SET NULL,
        job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
        model TEXT NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'dataset indexing: file stamps, mask-value histograms, per-class counts, problems',
    sql: `
      ALTER TABLE datasets ADD COLUMN mask_kind TEXT;
      ALTER TABLE datasets ADD COLUMN preset TEXT;
      ALTER TABLE datasets ADD COLUMN pairing TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE datasets ADD COLUMN index_job_id TEXT;
      ALTER TABLE datasets ADD COLUMN split_config TEXT;

      ALTER TABLE images ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
      ALTER TABLE images ADD COLUMN image_size INTEGER;
      ALTER TABLE images ADD COLUMN image_mtime REAL;
      ALTER TABLE images ADD COLUMN mask_size INTEGER;
      ALTER TABLE images ADD COLUMN mask_mtime REAL;
      ALTER TABLE images ADD COLUMN problem TEXT;
      ALTER TABLE images ADD COLUMN problem_message TEXT;
      CREATE INDEX images_dataset ON images(dataset_id, state, split);

      -- Every distinct mask value of an image with its pixel count: the raw fact, whatever the classes.
      CREATE TABLE image_values (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        value INTEGER NOT NULL,
        pixels INTEGER NOT NULL,
        PRIMARY KEY (image_id, value)
      ) STRICT, WITHOUT ROWID;

      -- Pixels per class, derived from image_values through the dataset's classes; rebuilt when they change.
      CREATE TABLE image_classes (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        class_index INTEGER NOT NULL,
        pixels INTEGER NOT NULL,
        PRIMARY KEY (image_id, class_index)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX image_classes_by_class ON image_classes(class_index, image_id);
    `,
  },
  {
    version: 4,
    description: 'training runs: epochs, per-class and per-image counts, steps, events',
    sql: `
      ALTER TABLE runs ADD COLUMN run_dir TEXT;
      ALTER TABLE runs ADD COLUMN class_names TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE runs ADD COLUMN backend TEXT;
      ALTER TABLE runs ADD COLUMN device TEXT;
      ALTER TABLE runs ADD COLUMN reason TEXT;
      ALTER TABLE runs ADD COLUMN epochs_done INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN best_epoch INTEGER;
      ALTER TABLE runs ADD COLUMN best_miou REAL;
      ALTER TABLE runs ADD COLUMN started_at TEXT;
      ALTER TABLE runs ADD COLUMN ended_at TEXT;

      CREATE TABLE run_epochs (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        train_loss REAL,
        val_loss REAL,
        lr REAL,
        seconds REAL,
        data_wait REAL,
        miou REAL,
        accuracy REAL,
        is_best INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch)
      ) STRICT;

      -- Raw counts; IoU, F1, precision and recall are computed from them in src-shared/metrics.
      CREATE TABLE run_class_counts (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        split TEXT NOT NULL,
        class_index INTEGER NOT NULL,
        tp INTEGER NOT NULL,
        fp INTEGER NOT NULL,
        fn INTEGER NOT NULL,
        PRIMARY KEY (run_id, epoch, split, class_index)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE run_image_counts (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        image_id INTEGER NOT NULL,
        class_index INTEGER NOT NULL,
        tp INTEGER NOT NULL,
        fp INTEGER NOT NULL,
        fn INTEGER NOT NULL,
        PRIMARY KEY (run_id, epoch, image_id, class_index)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE run_steps (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        loss REAL NOT NULL,
        lr REAL NOT NULL,
        PRIMARY KEY (run_id, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE run_events (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    description: 'run tags, notes and archive flag',
    sql: `
      ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 6,
    description: 'hard-sample weights per run and image',
    sql: `
      CREATE TABLE hard_sample_weights (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        image_id INTEGER NOT NULL,
        weight REAL NOT NULL,
        PRIMARY KEY (run_id, image_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    description: 'training throughput per epoch',
    sql: `ALTER TABLE run_epochs ADD COLUMN images_per_second REAL;`,
  },
  {
    version: 8,
    description: 'label corrections: mask revisions per image, and which one is in effect',
    sql: `
      -- Every correction is a new file in the data directory and a row here; none is ever deleted.
      -- parent_id is the revision it was made on (NULL: the original mask), so undo follows it.
      CREATE TABLE mask_revisions (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        parent_id INTEGER,
        path TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        changed_pixels INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX mask_revisions_image ON mask_revisions(image_id, id);
      -- The revision in effect (NULL: the original file at mask_path).
      ALTER TABLE images ADD COLUMN revision_id INTEGER;
    `,
  },
  {
    version: 9,
    description: 'stored predictions of a split (plain and flip TTA): per-image confusion and confident disagreement',
    sql: `
      CREATE TABLE run_predictions (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        split TEXT NOT NULL,
        variant TEXT NOT NULL CHECK (variant IN ('plain','tta')),
        epoch INTEGER,
        images INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, split, variant)
      ) STRICT;
      -- confusion: JSON classes x classes pixel counts (truth-major); wrong_by_confidence: JSON counts of
      -- wrong pixels in 20 bins of the predicted class's probability. Against the mask in effect then.
      CREATE TABLE run_prediction_images (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        split TEXT NOT NULL,
        variant TEXT NOT NULL,
        image_id INTEGER NOT NULL,
        labelled INTEGER NOT NULL,
        confusion TEXT NOT NULL,
        wrong_by_confidence TEXT NOT NULL,
        PRIMARY KEY (run_id, split, variant, image_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    description: 'evaluation jobs: runs plain, with TTA and as an ensemble, per-class counts per variant',
    sql: `
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        job_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        split TEXT NOT NULL,
        run_ids TEXT NOT NULL,
        run_names TEXT NOT NULL,
        class_names TEXT NOT NULL,
        tta TEXT,
        images INTEGER NOT NULL,
        -- JSON [{ name, counts: [{ tp, fp, fn }] }] once the job has finished.
        variants TEXT
      ) STRICT;
    `,
  },
  {
    version: 11,
    description: 'near-duplicates: a perceptual DCT signature per image, stamped with the image file it came from',
    sql: `
      CREATE TABLE image_signatures (
        image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        -- 256 float32 (16x16 lowest DCT frequencies of the 64x64 grey image, DC zeroed, unit length).
        signature BLOB NOT NULL,
        image_size INTEGER NOT NULL,
        image_mtime REAL NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 12,
    description: 'derived datasets (merges, pseudo-labels) and pseudo-label prediction sets',
    sql: `
      -- JSON: how SegBench made this dataset ({ kind: 'merge' | 'pseudo', ... }); NULL for imported folders.
      ALTER TABLE datasets ADD COLUMN origin TEXT;

      CREATE TABLE pseudo_label_sets (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        images_dir TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        job_id TEXT NOT NULL,
        class_names TEXT NOT NULL,
        -- JSON classes x 101 confidence levels; NULL until the prediction job has finished.
        histogram TEXT,
        -- JSON [{ stem, imagePath }] of the images predicted.
        images TEXT,
        skipped TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 13,
    description: 'job owners with leases, and one queue owner per data directory',
    sql: `
      -- The process that runs a job: host, pid and that process's start, and until when its lease
      -- holds (ms since 1970). A job whose owner is gone (pid dead on this host, or lease expired)
      -- is what startup cleanup may mark failed; a live one is left alone.
      ALTER TABLE jobs ADD COLUMN owner_instance TEXT;
      ALTER TABLE jobs ADD COLUMN owner_host TEXT;
      ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE jobs ADD COLUMN owner_started_at TEXT;
      ALTER TABLE jobs ADD COLUMN owner_mode TEXT;
      ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
      -- Set by a process that does not run the queue; the queue owner stops the job.
      ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
      -- JSON JobFailureCause of a failed job (signal, exit, heartbeat timeout, engine error...).
      ALTER TABLE jobs ADD COLUMN cause TEXT;

      -- The one process that runs this data directory's queue, renewing its lease while it lives.
      CREATE TABLE queue_owner (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        instance TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        mode TEXT NOT NULL,
        lease_until INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 14,
    description: 'label-error checks: out-of-fold scores per image and their review',
    sql: `
      -- One "Find label errors" job on a dataset; its status and reason are its job's.
      CREATE TABLE label_checks (
        id INTEGER PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        job_id TEXT NOT NULL,
        -- 0 when one run's validation images were scored with its checkpoint (reuse_run_id).
        folds INTEGER NOT NULL,
        reuse_run_id TEXT,
        out_dir TEXT NOT NULL,
        class_names TEXT NOT NULL,
        -- JSON job params, so that a stopped check resumes with the same folds and config.
        params TEXT NOT NULL,
        -- JSON per-class thresholds, once the job has finished.
        thresholds TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX label_checks_dataset ON label_checks (dataset_id);

      -- How many of a run's training and validation masks were corrected (label revisions) when it
      -- started, so that Compare shows a run before and after label fixes; NULL for older runs.
      ALTER TABLE runs ADD COLUMN corrected_masks INTEGER;

      CREATE TABLE label_check_images (
        check_id INTEGER NOT NULL REFERENCES label_checks(id) ON DELETE CASCADE,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        fold INTEGER NOT NULL,
        -- The mask revision in effect when the check started (NULL: the original mask); another
        -- one in effect now makes the scores stale.
        revision_id INTEGER,
        labelled INTEGER,
        softmin REAL,
        below INTEGER,
        disagreement INTEGER,
        flagged INTEGER,
        -- JSON classes x classes flagged pixels, given-major.
        pairs TEXT,
        -- 'kept' (the label is right) or 'corrected' (a revision made from this queue).
        review TEXT,
        reviewed_at TEXT,
        PRIMARY KEY (check_id, image_id)
      ) STRICT;
    `,
  },
  {
    version: 15,
    description: 'multispectral GeoTIFF: band layout per dataset, raster info and band samples per image',
    sql: `
      -- A multispectral dataset's band layout (JSON: bands, data type, names), set by its first
      -- GeoTIFF image; NULL for RGB datasets.
      ALTER TABLE datasets ADD COLUMN bands TEXT;
      -- Per GeoTIFF image: what the file holds and per-band sums (JSON), and a sample of each
      -- band's values (float32, bands x 256) for percentiles and histograms.
      ALTER TABLE images ADD COLUMN raster TEXT;
      ALTER TABLE images ADD COLUMN band_sample BLOB;
    `,
  },
  {
    version: 16,
    description: 'what each epoch validated (images of how many) and the subset mIoU the best checkpoint was judged by',
    sql: `
      -- Validation images this epoch and of how many (a subset between full validations); NULL
      -- for epochs recorded before, and for epochs that did not validate.
      ALTER TABLE run_epochs ADD COLUMN validated_images INTEGER;
      ALTER TABLE run_epochs ADD COLUMN validation_total INTEGER;
      -- With a validation subset: the mIoU on the subset's images that chose the best checkpoint.
      ALTER TABLE run_epochs ADD COLUMN judged_miou REAL;
    `,
  },
  {
    version: 17,
    description: "a label check's strength gate: out-of-fold mIoU, per-class self-confidence against pixel share",
    sql: `
      -- JSON CheckStrength (src-shared/label-errors.ts), set with the thresholds when the check
      -- finishes; NULL for checks finished before the gate.
      ALTER TABLE label_checks ADD COLUMN strength TEXT;
    `,
  },
  {
    version: 18,
    description: 'external runs: models trained elsewhere, imported as ONNX',
    sql: `
      -- JSON ImportedRun (src-main/runs/run-queries.ts): the model the importer found and the
      -- label map it was imported against; NULL for runs SegBench trained.
      ALTER TABLE runs ADD COLUMN external TEXT;
    `,
  },
  {
    version: 19,
    description: 'label corrections: undo, redo, revert and restore recorded, with when',
    sql: `
      -- Every change of the mask in effect that makes no new revision (mask_revisions records those
      -- that do): undo, redo, revert to the original, a revision picked from the history. from_id and
      -- to_id are the revisions in effect before and after (NULL: the original mask). source says
      -- what asked for it beyond a viewer (a label check's review queue), or NULL.
      CREATE TABLE mask_revision_moves (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        how TEXT NOT NULL CHECK (how IN ('undo','redo','revert','restore')),
        from_id INTEGER,
        to_id INTEGER,
        source TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX mask_revision_moves_image ON mask_revision_moves(image_id, id);
    `,
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1]?.version ?? 0;
