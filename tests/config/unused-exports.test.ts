import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { checkRepository, findUnusedExports } from '../../.ci/unused-exports';
import type { ModuleFile } from '../../.ci/unused-exports';

const root = resolve('/repo');
const file = (path: string, text: string): ModuleFile => ({ path: resolve(root, path), text });
const unusedIn = (files: ModuleFile[]) => findUnusedExports(files, (path) => !path.endsWith('.test.ts'), root).map((u) => `${u.file}: ${u.name}`);

test('the sources have no unused export (npm run lint runs the same check)', () => {
  const { unused } = checkRepository(process.cwd());
  assert.deepEqual(
    unused.map((u) => `${u.file}:${u.line}: ${u.name}`),
    [],
  );
});

test('an export nobody imports is found; one imported by name, type, re-export or namespace is not', () => {
  const files = [
    file(
      'src/a.ts',
      [
        'export const used = 1;',
        'export const unused = 2;',
        'export function onlyHere() { return unused; }',
        'export interface Shape { x: number }',
        'export type Alias = Shape;',
        'export default function main() {}',
        'const local = 3;',
        'export { local as renamed };',
      ].join('\n'),
    ),
    file('src/b.ts', "import { used } from './a';\nimport type { Shape } from './a';\nexport { renamed } from './a';\nexport const b = used;"),
    file('src/c.ts', "import main from './a.js';\nimport * as all from './b';\nvoid main; void all;"),
    file('src/d.test.ts', "import { onlyHere } from './a';\nexport const notChecked = onlyHere();"),
  ];
  assert.deepEqual(unusedIn(files), ['src/a.ts: unused', 'src/a.ts: Alias']);
});

test('dynamic import, require and import types count as uses of a module', () => {
  const files = [
    file('src/lazy.ts', 'export const a = 1;\nexport const b = 2;'),
    file('src/req.ts', 'export const c = 3;'),
    file('src/types.ts', 'export interface T { x: number }\nexport interface U { y: number }'),
    file('src/user.ts', "void import('./lazy');\nvoid require('./req');\nexport let t: import('./types').T;"),
  ];
  assert.deepEqual(unusedIn(files), ['src/types.ts: U', 'src/user.ts: t']);
});
