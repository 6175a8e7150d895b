// Runs every tests/**/*.test.ts with Node's test runner under tsx. Node 20's --test does not
// expand globs itself, so the files are listed here. Pass a substring to run only matching files:
//   node tests/run.mjs e2e
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : collect(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const filter = process.argv[2];
const files = collect('tests')
  .map((file) => relative('.', file))
  .filter((file) => !filter || file.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`No test files match "${filter}".`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, SEGBENCH_TEST: '1' },
});
process.exit(result.status ?? 1);
