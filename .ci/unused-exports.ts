// Lists the exports that no other file imports, in the sources (src-shared, src-main, src-renderer)
// and the helpers of tests/ and bench/. An export only its own file uses should lose its `export`;
// one nobody uses should go. Part of `npm run lint`; tests/config/unused-exports.test.ts proves
// the finder. Run from the repository root: node --import tsx .ci/unused-exports.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ModuleFile {
  /** Absolute path. */
  path: string;
  text: string;
}

export interface UnusedExport {
  /** Relative to the root the files were read from. */
  file: string;
  name: string;
  line: number;
}

/** Every name a module may be asked for, by its path; '*' stands for all of them (a namespace import, `export *`, `import()`, `require`). */
type Uses = Map<string, Set<string>>;

const extensions = ['.ts', '.tsx', '.mts', '.cts', '.mjs', '.cjs', '.js'];

function scriptKind(path: string): ts.ScriptKind {
  const ext = extname(path);
  if (ext === '.tsx') return ts.ScriptKind.TSX;
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return ts.ScriptKind.TS;
  return ts.ScriptKind.JS;
}

/** The file a relative specifier lands on, among `known`; null for packages and files not read. */
function resolveSpecifier(from: string, specifier: string, known: ReadonlySet<string>): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(c|m)?js$/, '');
  const candidates = [
    base,
    ...extensions.map((ext) => base + ext),
    ...extensions.map((ext) => stem + ext),
    ...extensions.map((ext) => join(base, `index${ext}`)),
  ];
  return candidates.find((candidate) => known.has(candidate)) ?? null;
}

const isExported = (node: ts.Node): boolean => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const isDefault = (node: ts.Node): boolean => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);

/** The names a module exports itself (re-exports included), each with its line. */
function exportsOf(source: ts.SourceFile): { name: string; line: number }[] {
  const found: { name: string; line: number }[] = [];
  const add = (name: string, node: ts.Node) => found.push({ name, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) add(element.name.text, element);
      }
      continue;
    }
    if (ts.isExportAssignment(statement)) {
      add('default', statement);
      continue;
    }
    if (!isExported(statement)) continue;
    if (isDefault(statement)) add('default', statement);
    else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) add(declaration.name.text, declaration);
      }
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      add(statement.name.text, statement);
    }
  }
  return found;
}

/** Records in `uses` every name `source` asks of another module. */
function collectUses(source: ts.SourceFile, known: ReadonlySet<string>, uses: Uses): void {
  const use = (specifier: string, names: readonly string[]) => {
    const target = resolveSpecifier(source.fileName, specifier, known);
    if (!target || target === source.fileName) return;
    const set = uses.get(target) ?? new Set<string>();
    for (const name of names) set.add(name);
    uses.set(target, set);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const names: string[] = [];
      if (clause?.name) names.push('default');
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.push('*');
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.push((element.propertyName ?? element.name).text);
      use(node.moduleSpecifier.text, names);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const names = !clause ? ['*'] : ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : ['*'];
      use(node.moduleSpecifier.text, names);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      use(node.moduleReference.expression.text, ['*']);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (dynamic || required) use(node.arguments[0].text, ['*']);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      use(node.argument.literal.text, node.qualifier ? [ts.isIdentifier(node.qualifier) ? node.qualifier.text : node.qualifier.left.getText(source)] : ['*']);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

/**
 * The exports of the `checked` files that no file of `files` imports, by relative import (type
 * imports, re-exports, `import()` and `require` count). A file's own use of its export does not.
 */
export function findUnusedExports(files: readonly ModuleFile[], checked: (path: string) => boolean, root: string): UnusedExport[] {
  const known = new Set(files.map((f) => f.path));
  const sources = files.map((f) => ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, true, scriptKind(f.path)));
  const uses: Uses = new Map();
  for (const source of sources) collectUses(source, known, uses);
  const unused: UnusedExport[] = [];
  for (const source of sources) {
    if (!checked(source.fileName)) continue;
    const asked = uses.get(source.fileName);
    if (asked?.has('*')) continue;
    for (const { name, line } of exportsOf(source)) {
      if (!asked?.has(name)) unused.push({ file: relative(root, source.fileName).split('\\').join('/'), name, line });
    }
  }
  return unused.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** Folders whose files import (and, but for tests' *.test.ts files, export), and the config files at the root. */
const importerRoots = ['src-shared', 'src-main', 'src-renderer', 'tests', 'bench', '.ci'];
const skipped = new Set(['node_modules', 'out', 'fixtures', 'results']);

/** Files of the repository at `root` whose exports are checked: every source and helper module, not test files or bench scripts. */
function isChecked(root: string, path: string): boolean {
  const rel = relative(root, path).split('\\').join('/');
  if (/\.test\.tsx?$/.test(rel)) return false;
  // Scripts run directly (benches, CI's own) export for their tests at most; their helpers are checked.
  if (rel.startsWith('.ci/')) return false;
  return /^(src-shared|src-main|src-renderer|tests|bench)\//.test(rel) && /\.(ts|tsx|mts)$/.test(rel);
}

export function readRepository(root: string): ModuleFile[] {
  const files: ModuleFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (skipped.has(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (extensions.includes(extname(name)) && !name.endsWith('.d.ts')) files.push({ path, text: readFileSync(path, 'utf8') });
    }
  };
  for (const folder of importerRoots) walk(resolve(root, folder));
  for (const name of readdirSync(root)) {
    if (extensions.includes(extname(name)) && statSync(join(root, name)).isFile())
      files.push({ path: resolve(root, name), text: readFileSync(join(root, name), 'utf8') });
  }
  return files;
}

/**
 * Exports left unimported on purpose, as `file: name`, each with why. An entry that is imported
 * again, or gone, is reported so that the list is trimmed.
 */
export const allowedUnused: Readonly<Record<string, string>> = {};

export function repositoryUnusedExports(root: string): UnusedExport[] {
  const absolute = resolve(root);
  return findUnusedExports(readRepository(absolute), (path) => isChecked(absolute, path), absolute);
}

/** The unused exports not allowed, and the allowed entries that no longer name an unused export. */
export function checkRepository(root: string): { unused: UnusedExport[]; stale: string[] } {
  const found = repositoryUnusedExports(root);
  const keys = new Set(found.map((u) => `${u.file}: ${u.name}`));
  return {
    unused: found.filter((u) => !(`${u.file}: ${u.name}` in allowedUnused)),
    stale: Object.keys(allowedUnused).filter((key) => !keys.has(key)),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(__filename)) {
  const { unused, stale } = checkRepository(process.cwd());
  for (const u of unused) console.log(`${u.file}:${u.line}: ${u.name} is exported but no other file imports it`);
  for (const key of stale) console.log(`.ci/unused-exports.ts: allowedUnused lists "${key}", which is no longer an unused export; remove the entry`);
  if (unused.length > 0) {
    console.log(
      `${unused.length} unused export${unused.length === 1 ? '' : 's'}: drop the export keyword (used in its file) or the declaration (used nowhere).`,
    );
    process.exitCode = 1;
  } else console.log('No unused exports.');
}
