// Writes docs/config-reference.md from the run config schema (src-shared/config-reference.ts).
// Run from the repository root: npm run docs:config
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../src-shared/config-reference';

const path = 'docs/config-reference.md';
writeFileSync(path, renderConfigReference());
console.log(`Wrote ${path}.`);
