/**
 * The crash and abuse tests of issue 13, repeated and counted:
 *  A. kill -9 of the engine at random moments over one run's life, then resume, N times:
 *     runs lost, duplicate or missing epochs, PRAGMA integrity_check;
 *  B. kill -9 of the queue owner (a second SegBench process) M times: another process takes the
 *     queue over; jobs lost, orphaned jobs left `running`, engines left alive, takeover time;
 *  C. malformed requests and socket frames against a real `segbench serve` process: answers by
 *     status, and server deaths.
 * and the families of issue 27 (bench/reliability-families.ts), `--rounds` each:
 *  D. queue hand-over by a finishing CLI; E. a busy main thread against the lease; F. output
 *     folders overlapping inputs; G. a full disk at an epoch's end; H. deletes under live jobs.
 * Goal: 0 lost, 0 duplicates, 0 foreign stops, 0 overwritten files, 0 missing epochs, 0 server
 * deaths. Needs the build (npm run build).
 * Run: node --import tsx bench/reliability.ts [--engine-kills 20] [--owner-kills 10] [--fuzz 1000] [--rounds 20] [--only ABCDEFGH] [--seed 1]
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { WebSocket } from 'ws';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { pidAlive } from '../src-main/jobs/ownership';
import { memoryLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';
import type { AppServices } from '../src-main/services/app-services';
import { mulberry32 } from '../src-shared/random';
import { eventually } from './support/eventually';
import { fuzzHttpRequests, fuzzSocketFrames, rawRequest } from './support/fuzz';
import { tempDir } from './support/temp-dir';
import { busyMain, deletesUnderJobs, fullDiskEpochs, handOver, overlappingOutputs } from './reliability-families';

const arg = (flag: string, fallback: number): number => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const engineKills = arg('--engine-kills', 20);
const ownerKills = arg('--owner-kills', 10);
const fuzzCount = arg('--fuzz', 1000);
const rounds = arg('--rounds', 20);
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? (process.argv[onlyAt + 1] ?? '').toUpperCase() : 'ABCDEFGH';
const random = mulberry32(arg('--seed', 1));
const builtEngine = resolve('out/engine/engine.cjs');
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function open(dataDir: string, options: { tickMs?: number; leaseMs?: number } = {}): AppServices & { lines: string[] } {
  const logger = memoryLogger();
  const services = createAppServices({ dataDir, mode: 'cli', launcher: childProcessLauncher({ entry: builtEngine }), logger, ...options });
  return Object.assign(services, { lines: logger.lines });
}

async function engineKillRun(): Promise<Record<string, number | string>> {
  const dataDir = tempDir('segbench-reliability-');
  const services = open(dataDir);
  const { imported } = services.samples.create({ count: 12, size: 48, seed: 3 });
  await services.jobs.whenIdle();
  const datasetId = await imported;
  await services.jobs.whenIdle();
  const epochs = Math.max(30, engineKills * 3);
  let run = await services.api.invoke('runs:start', {
    datasetId,
    backend: 'wasm',
    model: 'unet',
    modelOptions: { depth: 2, width: 4 },
    inputSize: 32,
    batchSize: 2,
    epochs,
    stepsPerEpoch: 6,
  });
  let kills = 0;
  let refusedResumes = 0;
  const killMoments: number[] = [];
  while (kills < engineKills) {
    const detail = services.runs.get(run.id);
    if (detail.status === 'finished') break;
    const job = detail.jobId ? services.jobs.get(detail.jobId) : null;
    if (!job || job.status !== 'running' || job.enginePid === null) {
      await sleep(50);
      continue;
    }
    // A random moment in this engine's life: starting up, mid-epoch, validating or checkpointing.
    const wait = Math.floor(random() * 2500);
    await sleep(wait);
    const now = services.jobs.get(job.id);
    if (now.status !== 'running' || now.enginePid === null) continue;
    try {
      process.kill(now.enginePid, 'SIGKILL');
    } catch {
      continue;
    }
    kills += 1;
    killMoments.push(wait);
    await services.jobs.whenDone(job.id);
    const after = services.runs.get(run.id);
    try {
      run = await services.api.invoke('runs:resume', { runId: run.id });
    } catch (error) {
      if (after.status !== 'finished') {
        refusedResumes += 1;
        process.stderr.write(`resume refused after kill ${kills} (run ${after.status}): ${(error as Error).message}\n`);
        if (/no checkpoint/.test((error as Error).message))
          run = await services.api.invoke('runs:start', {
            datasetId,
            backend: 'wasm',
            model: 'unet',
            modelOptions: { depth: 2, width: 4 },
            inputSize: 32,
            batchSize: 2,
            epochs,
            stepsPerEpoch: 6,
          });
      }
    }
    process.stderr.write(`engine kill ${kills}/${engineKills} after ${wait} ms: run was ${after.status} at epoch ${after.epochsDone}\n`);
  }
  const final = await eventually(
    () => {
      const detail = services.runs.get(run.id);
      return ['finished', 'failed', 'crashed', 'stopped', 'diverged'].includes(detail.status) ? detail : undefined;
    },
    600_000,
    'the run to end',
  );
  const rows = services.db
    .prepare<[string], { epoch: number; n: number }>('SELECT epoch, COUNT(*) AS n FROM run_epochs WHERE run_id = ? GROUP BY epoch')
    .all(run.id);
  const duplicates = rows.filter((r) => r.n > 1).length;
  const present = new Set(rows.map((r) => r.epoch));
  const missing = Array.from({ length: epochs }, (_, i) => i + 1).filter((e) => !present.has(e)).length;
  const integrity = services.db.pragma('integrity_check', { simple: true }) as string;
  const runsLost = services.runs.list().filter((r) => r.status !== 'finished').length;
  await services.close();
  return {
    'engine kills': kills,
    "median ms into an engine's life at the kill": median(killMoments),
    'resumes refused': refusedResumes,
    'run status': final.status,
    'runs lost (not finished)': runsLost,
    'epochs stored': rows.length,
    'duplicate epochs': duplicates,
    'missing epochs': missing,
    integrity_check: integrity,
  };
}

async function ownerKillRun(): Promise<Record<string, number | string>> {
  const dataDir = tempDir('segbench-owner-');
  const watcher = open(dataDir, { tickMs: 250, leaseMs: 5_000 });
  let lost = 0;
  let orphansLeft = 0;
  let enginesLeft = 0;
  const engineGoneMs: number[] = [];
  const takeovers: number[] = [];
  await watcher.close(); // the watcher of each round opens after the owner, as a second process would
  for (let round = 0; round < ownerKills; round += 1) {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('bench/support/queue-owner-child.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const running = await eventually(() => /RUNNING (\S+) ENGINE (\d+)/.exec(out) ?? undefined, 60_000, 'the owner to run its job');
    const [, jobId, enginePid] = running;
    const second = open(dataDir, { tickMs: 250, leaseMs: 5_000 });
    const queued = second.jobs.enqueue('diagnostic', { steps: 3, stepMs: 10 });
    await sleep(Math.floor(random() * 1500));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await eventually(() => (second.jobs.ownsQueue ? true : undefined), 30_000, 'the takeover');
    takeovers.push(Date.now() - killedAt);
    // The orphaned engine ends when its IPC channel closes, or when the new owner kills it.
    const gone = await eventually(() => {
      if (pidAlive(Number(enginePid))) return Date.now() - killedAt > 10_000 ? -1 : undefined;
      return Date.now() - killedAt;
    }, 15_000);
    if (gone < 0) enginesLeft += 1;
    else engineGoneMs.push(gone);
    const orphan = await Promise.race([second.jobs.whenDone(jobId!), sleep(30_000).then(() => null)]);
    if (!orphan || orphan.status === 'running') orphansLeft += 1;
    const done = await Promise.race([second.jobs.whenDone(queued.id), sleep(60_000).then(() => null)]);
    if (done?.status !== 'finished') lost += 1;
    await second.close();
    process.stderr.write(`owner kill ${round + 1}/${ownerKills}: takeover in ${takeovers.at(-1)} ms\n`);
  }
  const check = open(dataDir);
  const integrity = check.db.pragma('integrity_check', { simple: true }) as string;
  await check.close();
  return {
    'queue-owner kills': ownerKills,
    'median takeover ms': median(takeovers),
    'jobs lost': lost,
    'orphaned jobs left running': orphansLeft,
    'engines alive 10 s after': enginesLeft,
    'median ms until the orphaned engine is gone': median(engineGoneMs),
    integrity_check: integrity,
  };
}

async function fuzzServe(): Promise<Record<string, number | string>> {
  const dataDir = tempDir('segbench-fuzz-');
  const serve = spawn(process.execPath, ['src-main/cli/segbench.cjs', 'serve', '--port', '0', '--no-sample', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  serve.stdout.on('data', (c: Buffer) => (out += c.toString()));
  serve.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let deaths = 0;
  let stopping = false;
  serve.on('exit', () => {
    if (!stopping) deaths += 1;
  });
  const url = new URL(await eventually(() => /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)?.[1], 30_000, 'serve to start'));
  const port = Number(url.port);
  const token = url.searchParams.get('token')!;
  const statuses = new Map<string, number>();
  const started = Date.now();
  for (const request of fuzzHttpRequests(token, port, fuzzCount, 13)) {
    const answer = await rawRequest(port, request.bytes);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed';
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  let replies = 0;
  let closed = 0;
  const frames = fuzzSocketFrames(Math.round(fuzzCount / 3), 17);
  for (const frame of frames) {
    const outcome = await new Promise<string>((done) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers: { Authorization: `Bearer ${token}` } });
      const timer = setTimeout(() => done('timeout'), 5_000);
      ws.once('error', () => done('closed'));
      ws.once('close', () => done('closed'));
      ws.on('message', (data) => {
        if (/"id"/.test(String(data))) {
          clearTimeout(timer);
          ws.terminate();
          done('reply');
        }
      });
      ws.once('open', () => ws.send(frame.data, { binary: frame.binary }));
    });
    if (outcome === 'reply') replies += 1;
    else closed += 1;
  }
  const page = await fetch(`http://127.0.0.1:${port}/`, { headers: { Authorization: `Bearer ${token}` } }).then(
    (r) => r.status,
    () => 0,
  );
  const seconds = (Date.now() - started) / 1000;
  stopping = true;
  serve.kill('SIGTERM');
  await sleep(500);
  return {
    'HTTP requests': fuzzCount,
    'answers by status': [...statuses]
      .sort()
      .map(([s, n]) => `${s}: ${n}`)
      .join(', '),
    'socket frames': frames.length,
    'frames answered with an error': replies,
    'sockets closed by the server': closed,
    'server deaths': deaths,
    'still answers (GET / status)': page,
    seconds: seconds.toFixed(1),
  };
}

function print(title: string, figures: Record<string, number | string>): void {
  console.log(`\n${title}`);
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(44)} ${value}`);
}

async function main(): Promise<void> {
  console.log(
    `SegBench reliability bench (engine kills ${engineKills}, queue-owner kills ${ownerKills}, fuzz ${fuzzCount}, ${rounds} rounds of each of D-H; families ${only})`,
  );
  if (fuzzCount > 0 && only.includes('C')) print('C. malformed input against segbench serve', await fuzzServe());
  if (ownerKills > 0 && only.includes('B')) print('B. kill -9 of the queue owner', await ownerKillRun());
  if (engineKills > 0 && only.includes('A')) print('A. kill -9 of the engine over one run, then resume', await engineKillRun());
  if (rounds > 0) {
    const families: [string, string, () => Promise<Record<string, number | string>>][] = [
      ['D', "D. a CLI that owns the queue finishes with other processes' jobs queued", () => handOver(rounds, random)],
      ['E', 'E. a main thread busy for three leases while its job runs', () => busyMain(rounds)],
      ['F', "F. predictions into folders that overlap inputs or hold the user's files", () => overlappingOutputs(rounds, random)],
      ['G', "G. a full disk at an epoch's end, then resume", () => fullDiskEpochs(rounds, random)],
      ['H', 'H. a dataset deleted from another process under a live job', () => deletesUnderJobs(rounds, random)],
    ];
    for (const [letter, title, family] of families) {
      if (!only.includes(letter)) continue;
      const started = Date.now();
      const figures = await family();
      print(title, { ...figures, seconds: ((Date.now() - started) / 1000).toFixed(1) });
    }
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
