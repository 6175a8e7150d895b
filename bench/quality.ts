/**
 * Accuracy that cannot slip unnoticed (issue 34): SegBench at this checkout, SegBench at an earlier
 * commit (--before REV) and PyTorch train the same model on the same recipe and data, several seeds
 * each, all in one run, and the bench prints per-class and mean IoU as mean ± sd with the
 * differences and their spread.
 *
 * Recipe: dubai-aerial, tiles 1-6 train and tiles 7-8 validate (whole scenes apart); the reference
 * U-Net (depth 4, width 16); `--steps` steps (default 300) of `--batch` (4) random `--size` (256)
 * crops with flips and rot90; Adam 1e-3; per-channel normalisation; validation on the full
 * validation images at the end. A fixed budget of steps, not of time, so machine load changes
 * the wall time only.
 *
 * - SegBench runs bench/quality-run.ts in its own process, one seed each. For --before, the
 *   revision is checked out in a temporary git worktree that shares this checkout's node_modules,
 *   and this checkout's quality-run.ts is copied into it: the same instrument on both sides.
 * - PyTorch runs bench/quality-torch.py when `python3 -c "import torch"` works (Debian:
 *   apt-get install -y python3-torch python3-torchvision); --no-torch skips it.
 * - The runs go seed by seed (this checkout, the earlier commit, PyTorch), so a bench stopped
 *   part-way still compares like with like. --out FILE keeps every result as a JSON line and, run
 *   again with the same FILE, reuses those of the same revision, seed and recipe.
 *
 * Usage: node --import tsx bench/quality.ts [--seeds 1,2,3] [--steps 300] [--size 256] [--batch 4]
 *        [--before cbe3dac] [--no-torch] [--python /usr/bin/python3] [--out quality.jsonl]
 *        [--data ../shared/data/dubai-aerial] [--backend auto|wasm|webgpu|tfjs-node-gpu|...]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { iou } from '../src-shared/metrics';
import type { ClassCounts } from '../src-shared/metrics';

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const seeds = (flag('--seeds') ?? '1,2,3').split(',').map(Number);
const steps = Number(flag('--steps') ?? 300);
const size = Number(flag('--size') ?? 256);
const batch = Number(flag('--batch') ?? 4);
const before = flag('--before');
const data = resolve(flag('--data') ?? join('..', 'shared', 'data', 'dubai-aerial'));
const python = flag('--python') ?? '/usr/bin/python3';
const out = flag('--out');
const withTorch = !process.argv.includes('--no-torch');
const backend = flag('--backend') ?? 'auto';

interface Result {
  key: string;
  system: string;
  seed: number;
  seconds: number;
  counts: ClassCounts[];
  classNames?: string[];
  values?: [number, number][];
}

interface System {
  label: string;
  rev: string;
  run: (seed: number, classes: Result | undefined) => Promise<Omit<Result, 'key' | 'system'>>;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8' }).trim();
}

/** Runs a command, echoing its stderr (the engine's warnings), and returns its stdout. */
function capture(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(stdout) : fail(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`))));
  });
}

function segbench(label: string, tree: string, rev: string): System {
  return {
    label,
    rev,
    run: async (seed) => {
      const args = [
        '--import',
        'tsx',
        'bench/quality-run.ts',
        '--data',
        data,
        '--seed',
        String(seed),
        '--steps',
        String(steps),
        '--size',
        String(size),
        '--batch',
        String(batch),
        '--backend',
        backend,
      ];
      const text = await capture(process.execPath, args, tree);
      const line = text.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`${label}: no RESULT line in\n${text.slice(-2000)}`);
      return JSON.parse(line.slice('RESULT '.length)) as Omit<Result, 'key' | 'system'>;
    },
  };
}

/** The earlier revision in a temporary worktree with this checkout's node_modules and quality-run.ts. */
function worktreeAt(rev: string): { tree: string; cleanup: () => void } {
  const tree = mkdtempSync(join(tmpdir(), 'segbench-before-'));
  rmSync(tree, { recursive: true });
  execFileSync('git', ['worktree', 'add', '--detach', tree, rev], { stdio: 'ignore' });
  symlinkSync(resolve('node_modules'), join(tree, 'node_modules'));
  copyFileSync('bench/quality-run.ts', join(tree, 'bench', 'quality-run.ts'));
  return { tree, cleanup: () => execFileSync('git', ['worktree', 'remove', '--force', tree], { stdio: 'ignore' }) };
}

function torchAvailable(): boolean {
  return spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const fmt = (xs: readonly number[]): string => (xs.length === 0 ? '—' : `${mean(xs).toFixed(3)} ± ${sd(xs).toFixed(3)}`);

/** Per-class IoU of one run (NaN for a class absent from validation and never predicted), and its mean over the classes that have one. */
function scores(result: Result): { perClass: number[]; miou: number } {
  const perClass = result.counts.map((c) => iou(c) ?? Number.NaN);
  const present = perClass.filter((v) => !Number.isNaN(v));
  return { perClass, miou: mean(present) };
}

/** The difference of means with twice its standard error: beyond that, more than the draw of the seeds. */
function difference(a: readonly number[], b: readonly number[]): string {
  if (a.length === 0 || b.length === 0) return '—';
  const d = mean(a) - mean(b);
  const se = Math.sqrt(sd(a) ** 2 / a.length + sd(b) ** 2 / b.length);
  const verdict = a.length < 2 || b.length < 2 ? 'one seed: no spread' : Math.abs(d) > 2 * se ? 'beyond the spread' : 'within the spread';
  return `${d >= 0 ? '+' : ''}${d.toFixed(3)} (± ${(2 * se).toFixed(3)}, ${verdict})`;
}

function report(systems: readonly System[], results: readonly Result[]): void {
  const named = results.find((r) => r.classNames);
  const classNames = named?.classNames ?? [];
  const of = (system: System) => results.filter((r) => r.system === system.label).map(scores);
  const columns = systems.map((s) => ({ label: s.label, runs: of(s) }));
  console.log(`\nValidation IoU on tiles 7-8 (full images) after ${steps} steps of ${batch} x ${size}x${size}, mean ± sd over seeds`);
  console.log(['class'.padEnd(18), ...columns.map((c) => `${c.label} (${c.runs.length} seeds)`.padEnd(30))].join(''));
  classNames.forEach((name, i) => {
    console.log([name.padEnd(18), ...columns.map((c) => fmt(c.runs.map((r) => r.perClass[i]!).filter((v) => !Number.isNaN(v))).padEnd(30))].join(''));
  });
  console.log(['mIoU'.padEnd(18), ...columns.map((c) => fmt(c.runs.map((r) => r.miou)).padEnd(30))].join(''));
  const head = columns[0]!;
  for (const other of columns.slice(1)) {
    console.log(
      `\n${head.label} − ${other.label}: mIoU ${difference(
        head.runs.map((r) => r.miou),
        other.runs.map((r) => r.miou),
      )}`,
    );
    classNames.forEach((name, i) => {
      const a = head.runs.map((r) => r.perClass[i]!).filter((v) => !Number.isNaN(v));
      const b = other.runs.map((r) => r.perClass[i]!).filter((v) => !Number.isNaN(v));
      console.log(`  ${name.padEnd(16)} ${difference(a, b)}`);
    });
  }
  const times = columns.map((c) => `${c.label} ${Math.round(median(results.filter((r) => r.system === c.label).map((r) => r.seconds)))} s`);
  console.log(`\nMedian wall time per run (training and validation): ${times.join(', ')}`);
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  if (!existsSync(join(data, 'images'))) throw new Error(`No dubai-aerial at ${data} (--data gives the folder that holds images/ and masks/).`);
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  const head = git('rev-parse', '--short', 'HEAD');
  const systems: System[] = [segbench(`SegBench ${head}${dirty ? '+' : ''}`, process.cwd(), `${head}${dirty ? '+dirty' : ''}`)];
  const cleanups: (() => void)[] = [];
  if (before) {
    const rev = git('rev-parse', '--short', before);
    const { tree, cleanup } = worktreeAt(rev);
    cleanups.push(cleanup);
    systems.push(segbench(`SegBench ${rev}`, tree, rev));
  }
  if (withTorch && torchAvailable()) {
    const version = execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
    systems.push({
      label: `PyTorch ${version}`,
      rev: `torch-${version}`,
      run: async (seed, classes) => {
        if (!classes?.values) throw new Error('PyTorch needs the classes of a SegBench run first');
        const args = [
          'bench/quality-torch.py',
          '--data',
          data,
          '--values',
          JSON.stringify(classes.values),
          '--seed',
          String(seed),
          '--steps',
          String(steps),
          '--size',
          String(size),
          '--batch',
          String(batch),
          '--threads',
          '2',
        ];
        return JSON.parse((await capture(python, args, process.cwd())).trim().split('\n').at(-1)!) as Omit<Result, 'key' | 'system'>;
      },
    });
  } else if (withTorch) {
    console.log(`PyTorch is not importable by ${python}: the bench compares SegBench only (apt-get install -y python3-torch python3-torchvision).`);
  }
  const kept =
    out && existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Result)
      : [];
  const results: Result[] = [];
  const total = seeds.length * systems.length;
  const started = Date.now();
  let ran = 0;
  try {
    for (const seed of seeds) {
      for (const system of systems) {
        const key = `${system.rev}:seed ${seed}:${steps} steps:${batch}x${size}${system.rev.startsWith('torch') || backend === 'auto' ? '' : `:${backend}`}`;
        const earlier = kept.find((r) => r.key === key && !system.rev.endsWith('+dirty'));
        let result: Result;
        if (earlier) {
          result = { ...earlier, system: system.label };
          console.log(`${system.label}, seed ${seed}: from ${out}`);
        } else {
          const value = await system.run(
            seed,
            results.find((r) => r.values),
          );
          result = { ...value, key, system: system.label };
          ran += 1;
          if (out) appendFileSync(out, `${JSON.stringify(result)}\n`);
        }
        results.push(result);
        const done = results.length;
        const perRun = ran > 0 ? (Date.now() - started) / ran : 0;
        const left = ran > 0 ? ` · about ${Math.round(((total - done) * perRun) / 60_000)} min left` : '';
        console.log(`[${done}/${total}] ${system.label}, seed ${seed}: mIoU ${scores(result).miou.toFixed(3)} in ${Math.round(result.seconds)} s${left}`);
      }
    }
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
  report(systems, results);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
