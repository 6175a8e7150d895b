import { runConfigSchema } from './run-config';
import { z } from './zod';

/**
 * docs/config-reference.md, rendered from the run config schema: every field with its type, its
 * valid range or values, its default and the one line its `.describe()` gives. Pure (no file
 * access): `npm run docs:config` writes the page, and tests/shared/config-reference.test.ts fails
 * when the page and this rendering differ.
 */
interface ConfigField {
  /** Dot path in the config; `[]` stands for the items of a list (`inputChannels.indices[].name`). */
  path: string;
  type: string;
  /** Valid range, length or values; empty where any value of the type goes. */
  range: string;
  /** The default as JSON, `required`, or `unset` (optional, no default). */
  defaultText: string;
  description: string;
}

interface Unwrapped {
  core: z.core.$ZodType;
  nullable: boolean;
  optional: boolean;
  defaultValue: { value: unknown } | null;
  description: string | undefined;
}

/** Optional, nullable, default and prefault wrappers taken off, noting what each says; the first description found wins. */
function unwrap(schema: z.core.$ZodType): Unwrapped {
  const found: Unwrapped = { core: schema, nullable: false, optional: false, defaultValue: null, description: undefined };
  for (;;) {
    const current = found.core;
    found.description ??= z.globalRegistry.get(current)?.description;
    if (current instanceof z.ZodOptional) {
      found.optional = true;
      found.core = current.unwrap();
    } else if (current instanceof z.ZodNullable) {
      found.nullable = true;
      found.core = current.unwrap();
    } else if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      found.defaultValue ??= { value: current.def.defaultValue };
      found.core = current.def.innerType;
    } else {
      return found;
    }
  }
}

interface CheckDef {
  check: string;
  value?: unknown;
  inclusive?: boolean;
  minimum?: unknown;
  maximum?: unknown;
}

function checksOf(schema: z.core.$ZodType): CheckDef[] {
  return (schema._zod.def.checks ?? []).map((check) => check._zod.def as CheckDef);
}

const number = (value: unknown): string => String(value);

function numberRange(schema: z.ZodNumber): string {
  let low: { value: number; inclusive: boolean } | null = null;
  let high: { value: number; inclusive: boolean } | null = null;
  for (const check of checksOf(schema)) {
    if (check.check === 'greater_than' && typeof check.value === 'number') low = { value: check.value, inclusive: check.inclusive ?? true };
    if (check.check === 'less_than' && typeof check.value === 'number') high = { value: check.value, inclusive: check.inclusive ?? true };
  }
  if (low?.inclusive && high?.inclusive) return `${number(low.value)} to ${number(high.value)}`;
  const parts = [
    ...(low ? [`${low.inclusive ? 'at least' : 'more than'} ${number(low.value)}`] : []),
    ...(high ? [`${high.inclusive ? 'at most' : 'less than'} ${number(high.value)}`] : []),
  ];
  return parts.join(', ');
}

function lengthRange(schema: z.core.$ZodType, unit: string): string {
  let min: number | null = null;
  let max: number | null = null;
  for (const check of checksOf(schema)) {
    if (check.check === 'min_length' && typeof check.minimum === 'number') min = check.minimum;
    if (check.check === 'max_length' && typeof check.maximum === 'number') max = check.maximum;
  }
  const plural = (n: number): string => `${unit}${n === 1 ? '' : 's'}`;
  if (min !== null && max !== null) return `${min} to ${max} ${plural(max)}`;
  if (min !== null) return `at least ${min} ${plural(min)}`;
  if (max !== null) return `at most ${max} ${plural(max)}`;
  return '';
}

function typeName(schema: z.core.$ZodType): string {
  if (schema instanceof z.ZodString) return 'string';
  if (schema instanceof z.ZodNumber) return schema.isInt ? 'integer' : 'number';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  if (schema instanceof z.ZodEnum) return 'enum';
  if (schema instanceof z.ZodObject) return 'object';
  if (schema instanceof z.ZodUnknown) return 'any';
  if (schema instanceof z.ZodArray) return `${typeName(unwrap(schema.element).core)}[]`;
  if (schema instanceof z.ZodRecord) return `Record<string, ${typeName(unwrap(schema.valueType).core)}>`;
  throw new Error(`config-reference: no rendering for a "${schema._zod.def.type}" schema; add one to src-shared/config-reference.ts.`);
}

function rangeOf(schema: z.core.$ZodType): string {
  if (schema instanceof z.ZodNumber) return numberRange(schema);
  if (schema instanceof z.ZodString) return lengthRange(schema, 'character');
  if (schema instanceof z.ZodEnum) return schema.options.map((option) => `\`${String(option)}\``).join(', ');
  if (schema instanceof z.ZodArray) {
    const element = rangeOf(unwrap(schema.element).core);
    return [lengthRange(schema, 'item'), element && `each ${element}`].filter(Boolean).join('; ');
  }
  if (schema instanceof z.ZodRecord) {
    const value = rangeOf(unwrap(schema.valueType).core);
    return value && `values ${value}`;
  }
  return '';
}

/** The object whose fields are listed below a field, with the path prefix of those fields. */
function nestedObject(core: z.core.$ZodType, path: string): { shape: Readonly<Record<string, z.core.$ZodType>>; prefix: string } | null {
  if (core instanceof z.ZodObject) return { shape: core.shape, prefix: `${path}.` };
  if (core instanceof z.ZodArray) {
    const element = unwrap(core.element).core;
    if (element instanceof z.ZodObject) return { shape: element.shape, prefix: `${path}[].` };
  }
  return null;
}

function collect(shape: Readonly<Record<string, z.core.$ZodType>>, prefix: string, into: ConfigField[]): void {
  for (const [key, child] of Object.entries(shape)) {
    const path = `${prefix}${key}`;
    const field = unwrap(child);
    into.push({
      path,
      type: `${typeName(field.core)}${field.nullable ? ' | null' : ''}`,
      range: rangeOf(field.core),
      defaultText: field.defaultValue ? `\`${JSON.stringify(field.defaultValue.value)}\`` : field.optional ? 'unset' : 'required',
      description: (field.description ?? '').replace(/\s+/g, ' ').trim(),
    });
    const nested = nestedObject(field.core, path);
    if (nested) collect(nested.shape, nested.prefix, into);
  }
}

/** Every field of the run config, nested ones after their parent, in the schema's order. */
export function configFields(schema: z.ZodObject = runConfigSchema): ConfigField[] {
  const fields: ConfigField[] = [];
  collect(schema.shape, '', fields);
  return fields;
}

/**
 * The bounds of a number field of the run config, as the reference prints them: the launch form's
 * labels and input limits read them here, so no range is written twice. `path` as in the reference
 * (`optimizer.lr`, `distill.matrix[][]`); throws when it names no number with both bounds.
 */
export function configBounds(path: string, schema: z.ZodObject = runConfigSchema): { min: number; max: number } {
  let shape: Readonly<Record<string, z.core.$ZodType>> = schema.shape;
  let core: z.core.$ZodType | null = null;
  for (const part of path.split('.')) {
    const key = part.replace(/(\[\])+$/, '');
    const child = shape[key];
    if (!child) throw new Error(`configBounds: the run config has no field "${path}".`);
    core = unwrap(child).core;
    for (let lists = (part.length - key.length) / 2; lists > 0; lists -= 1) {
      if (!(core instanceof z.ZodArray)) throw new Error(`configBounds: "${path}" is not a list there.`);
      core = unwrap(core.element).core;
    }
    if (core instanceof z.ZodObject) shape = core.shape;
  }
  let min: number | null = null;
  let max: number | null = null;
  for (const check of core instanceof z.ZodNumber ? checksOf(core) : []) {
    if (typeof check.value !== 'number' || check.inclusive === false) continue;
    if (check.check === 'greater_than') min = check.value;
    if (check.check === 'less_than') max = check.value;
  }
  if (min === null || max === null) throw new Error(`configBounds: "${path}" is not a number with an inclusive lower and upper bound.`);
  return { min, max };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

const intro = `# Run config reference

<!-- Generated from runConfigSchema (src-shared/run-config.ts) by \`npm run docs:config\`. Edit the
schema's .describe() texts, then run that command; tests/shared/config-reference.test.ts fails when
this page and the schema differ. -->

Every field of a training run's config. The launch form edits them, \`runs:start\` takes them, and
\`segbench train --config FILE\` reads any of them from a JSON file (the command's own flags win
over the file: \`--model\`, \`--epochs\`, \`--size\` for inputSize, \`--batch\` for batchSize,
\`--backend\`, \`--bands\` and \`--index\` for inputChannels, \`--replicate*\`, \`--minority-*\` and
\`--distill-*\`).

- A field left out takes its default; \`unset\` means the field has none and the table's
  description says what happens without it. A group of fields (\`loss\`, \`optimizer\`, ...) can
  be given in part: \`{ "optimizer": { "lr": 0.0005 } }\` keeps the other optimizer defaults.
- Nested fields are written with dots: \`augment.flips\` is \`{ "augment": { "flips": false } }\`.
  \`[]\` stands for each item of a list: \`inputChannels.indices[].name\`.
- A value out of range, a value not listed, or a key the config does not have is refused before
  anything runs, with the field and what is valid.
- Rules across fields: \`inputSize\` must be a multiple of the model's stride (the field's
  description lists them; the error names the nearest valid sizes); \`augment.scaleMin\` must
  not exceed \`augment.scaleMax\`; \`inputChannels\` needs at least one band or index channel
  and no band twice; each row of \`distill.matrix\` sums to 1.
- Fields marked "Resolved by main" are filled in by SegBench when the run starts; a config file
  leaves them out.
- Runs stored by an older SegBench are read with today's schema, so a field added since takes
  its default (see "The run config pipeline" in [architecture.md](architecture.md)).
`;

/** docs/config-reference.md as it should read now. Throws naming any field without a description. */
export function renderConfigReference(fields: readonly ConfigField[] = configFields()): string {
  const undescribed = fields.filter((field) => field.description === '').map((field) => field.path);
  if (undescribed.length > 0) {
    throw new Error(`config-reference: give these fields a .describe() in the schema: ${undescribed.join(', ')}.`);
  }
  const rows = fields.map(
    (field) => `| \`${field.path}\` | \`${cell(field.type)}\` | ${cell(field.range)} | ${cell(field.defaultText)} | ${cell(field.description)} |`,
  );
  return `${intro}\n| Field | Type | Range or values | Default | Description |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`;
}
