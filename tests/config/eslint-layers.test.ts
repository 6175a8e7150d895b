import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

/** Lints `code` as if it were the file at `filePath`; returns "rule: message" lines. */
async function lint(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'parse'}: ${message.message}`);
}

const crossings: [file: string, code: string, rule: string][] = [
  ['src-renderer/pages/Bad.tsx', "import { readFileSync } from 'fs';\nreadFileSync('x');\n", 'no-restricted-imports'],
  ['src-renderer/pages/Bad.tsx', "import { readFileSync } from 'node:fs';\nreadFileSync('x');\n", 'no-restricted-imports'],
  ['src-renderer/pages/Bad.tsx', "import Database from 'better-sqlite3';\nnew Database('x');\n", 'no-restricted-imports'],
  ['src-renderer/pages/Bad.tsx', "import { ipcRenderer } from 'electron';\nipcRenderer.send('x');\n", 'no-restricted-imports'],
  ['src-renderer/pages/Bad.tsx', "import { openDatabase } from '../../src-main/db/connection';\nopenDatabase('x');\n", 'segbench/layers'],
  ['src-shared/bad.ts', "import { join } from 'node:path';\nexport const p = join('a');\n", 'no-restricted-imports'],
  ['src-shared/bad.ts', "import { useState } from 'react';\nexport const s = useState;\n", 'no-restricted-imports'],
  ['src-shared/bad.ts', "import { consoleLogger } from '../src-main/log';\nexport const l = consoleLogger;\n", 'segbench/layers'],
  ['src-main/engine/bad.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
  ['src-main/engine/bad.ts', "import { openDatabase } from '../db/connection';\nexport const o = openDatabase;\n", 'segbench/layers'],
  ['src-main/engine/train/bad.ts', "import { createDispatcher } from '../../ipc/router';\nexport const d = createDispatcher;\n", 'segbench/layers'],
  ['src-main/services/bad.ts', "import { runDiagnostic } from '../engine/diagnostic';\nexport const r = runDiagnostic;\n", 'segbench/layers'],
  // The engine's allow-list: a src-main file that is not one of the folders it shares with main.
  ['src-main/engine/bad.ts', "import { consoleLogger } from '../log';\nexport const l = consoleLogger;\n", 'segbench/layers'],
  ['src-main/engine/bad.ts', "export { hashPassword } from '../server/auth';\n", 'segbench/layers'],
  // A folder the engine may import follows the engine's rules itself.
  ['src-main/geotiff/bad.ts', "import { createAppServices } from '../services/app-services';\nexport const c = createAppServices;\n", 'segbench/layers'],
  // require() and createRequire, relative and packages.
  ['src-main/engine/bad.ts', "export const d = require('../db/connection');\n", 'segbench/layers'],
  [
    'src-main/engine/bad.ts',
    "import { createRequire } from 'node:module';\nconst load = createRequire(__filename);\nexport const d = load('../jobs/queue');\n",
    'segbench/layers',
  ],
  ['src-main/engine/bad.ts', "import { createRequire } from 'node:module';\nexport const e = createRequire(__filename)('electron');\n", 'segbench/layers'],
  ['src-main/engine/bad.ts', "import ws = require('ws');\nexport const w = ws;\n", 'segbench/layers'],
  ['src-renderer/pages/Bad.tsx', "export const d = require('../../src-main/db/connection');\n", 'segbench/layers'],
  ['src-renderer/pages/Bad.tsx', "export const t = require('@tensorflow/tfjs-node-gpu');\n", 'segbench/layers'],
  ['src-shared/bad.ts', 'export const f = require(`node:fs`);\n', 'segbench/layers'],
  ['src-shared/bad.ts', "import { readFile } from 'fs/promises';\nexport const r = readFile;\n", 'no-restricted-imports'],
  // Benches keep their own helpers.
  ['bench/bad.ts', "import { tempDir } from '../tests/helpers/services';\nexport const t = tempDir;\n", 'segbench/layers'],
];

for (const [file, code, rule] of crossings) {
  test(`lint rejects in ${file}: ${code.split('\n')[0]}`, async () => {
    const messages = await lint(file, code);
    assert.ok(
      messages.some((message) => message.startsWith(`${rule}:`)),
      `expected ${rule}, got ${JSON.stringify(messages)}`,
    );
  });
}

test('imports along the layers pass lint', async () => {
  const allowed: [string, string][] = [
    ['src-renderer/pages/Ok.tsx', "import { methods } from '../../src-shared/contract';\nexport const m = methods;\n"],
    [
      'src-main/engine/ok.ts',
      "import { readFileSync } from 'node:fs';\nimport { ApiError } from '../../src-shared/errors';\nexport const e = [ApiError, readFileSync];\n",
    ],
    ['src-main/services/ok.ts', "import type { EngineToMain } from '../../src-shared/engine-protocol';\nexport type M = EngineToMain;\n"],
    ['src-shared/ok.ts', "import { z } from 'zod';\nimport { ApiError } from './errors';\nexport const e = [z, ApiError];\n"],
    [
      'src-main/engine/eval/ok.ts',
      "import { readGeoTiff } from '../../geotiff/geotiff-io';\nimport { manifestName } from '../../outputs/prediction-outputs';\nexport const g = [readGeoTiff, manifestName];\n",
    ],
    [
      'src-main/engine/backend/ok.ts',
      "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const w = [require('webgpu'), require('./gradients')];\n",
    ],
    ['src-main/services/ok.ts', "import { readGeoTiff } from '../geotiff/geotiff-io';\nexport const g = readGeoTiff;\n"],
    ['bench/ok.ts', "import { tempDir } from './support/temp-dir';\nexport const t = tempDir;\n"],
  ];
  for (const [file, code] of allowed) assert.deepEqual(await lint(file, code), [], file);
});

test("an import outside the engine's allow-list names the folders it may use and why", async () => {
  const [message] = await lint('src-main/engine/bad.ts', "import { openDatabase } from '../db/connection';\nexport const o = openDatabase;\n");
  assert.match(
    message ?? '',
    /reaches src-main\/db, but src-main\/engine may import only from src-main\/engine, src-shared, src-main\/geotiff, src-main\/outputs: the engine is plain Node/,
  );
});
