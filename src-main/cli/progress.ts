import type { Job } from '../../src-shared/jobs';
import { formatDuration } from '../../src-shared/jobs';
import type { AppServices } from '../services/app-services';

/**
 * Prints a job's progress on the terminal: a bar redrawn in place on a TTY, a line every 10%
 * otherwise (logs, CI). Writes to stderr so that --json output on stdout stays clean.
 */
export function progressPrinter(label: string, stream: NodeJS.WriteStream = process.stderr): (job: Job) => void {
  let lastDecile = -1;
  return (job) => {
    const progress = job.progress;
    if (!progress || progress.total === 0) return;
    const fraction = Math.min(1, progress.done / progress.total);
    const eta = progress.etaSeconds === null ? '' : `, ${formatDuration(progress.etaSeconds)} left`;
    const text = `${label} ${progress.done}/${progress.total}${eta}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}   `);
      if (progress.done >= progress.total) stream.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${text}\n`);
    }
  };
}

/** Waits until no job is queued or running, printing each job's progress on stderr as it goes. */
export async function settle(services: AppServices, label: string): Promise<void> {
  const print = progressPrinter(label);
  const unsubscribe = services.events.onAny((event, payload) => {
    if (event === 'job:update') print(payload as Job);
  });
  await services.jobs.whenIdle();
  unsubscribe();
}
