import type { z } from 'zod';

/*
 * The error messages of a bad request (and of a bad config file): zod's issues in words, naming
 * each field and its valid range, with every value the sender gave echoed at most `echoLimit`
 * characters long; and the refusal of a request too deep or too large to check.
 */

/** How much of a received value an error message repeats: enough to recognise it, never a megabyte. */
export const echoLimit = 80;

/** A request nested deeper than this, or holding more values, is refused before any schema sees it. */
const requestLimits = { maxDepth: 64, maxValues: 200_000 } as const;

/**
 * Formats zod issues as one line per problem, naming the field and the valid values or range,
 * e.g. `steps: Too big: expected number to be <=10000; valid: 1 to 10000 (got 20000)`. With the
 * schema, a range error names both bounds and an unknown key names where that key belongs.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown, schema?: z.ZodType): string {
  const described = issues
    .slice(0, issueLimit)
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map((key) => cut(String(key))).join('.') : 'request';
      const got = valueAt(input, issue.path);
      const gotText = got === undefined ? '' : ` (got ${echo(got)})`;
      return `${path}: ${messageOf(issue)}${schema ? hint(issue, schema) : ''}${gotText}`;
    })
    .join('; ');
  const more = issues.length - issueLimit;
  return more > 0 ? `${described}; and ${more} more problem${more === 1 ? '' : 's'}` : described;
}

/** zod's message, but unknown keys echoed like any value (zod quotes each key whole). */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const keys = issue.keys.slice(0, issueLimit).map(echo).join(', ');
  const more = issue.keys.length > issueLimit ? ` and ${issue.keys.length - issueLimit} more` : '';
  return `Unrecognized key${issue.keys.length === 1 ? '' : 's'}: ${keys}${more}`;
}

/** Problems of one request named in its error message; the rest are counted. */
const issueLimit = 10;

/** A value as JSON, cut to a short prefix that says how long the whole was. */
export function echo(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return cut(text);
}

/** Text cut to `echoLimit` characters, saying how long the whole was (`length`, when it was longer still). */
export function cut(text: string, length = text.length): string {
  return text.length <= echoLimit && length <= text.length ? text : `${text.slice(0, echoLimit)}… (${length} characters)`;
}

/**
 * Every string of a received value, keys included, longer than `echoLimit`: what `clipEchoes`
 * looks for in an error message. Iterative, and it stops after `requestLimits.maxValues` values.
 */
export function longStrings(value: unknown): string[] {
  const found = new Set<string>();
  const stack: unknown[] = [value];
  for (let seen = 0; stack.length > 0 && seen < requestLimits.maxValues; seen += 1) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (current.length > echoLimit) found.add(current);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        if (key.length > echoLimit) found.add(key);
        stack.push(child);
      }
    }
  }
  return [...found];
}

/**
 * `message` with every run of more than `echoLimit` characters copied from one of `values` cut
 * to its first `echoLimit` (`cut`). Whatever a handler writes into an error (an id it could not
 * find, a path resolved or trimmed, an fs error quoting that path), a megabyte a client sent
 * comes back as 80 characters and its length. Runs are found through the values' aligned
 * windows of half the limit: any copied run of 79 characters or more holds one whole window.
 */
export function clipEchoes(message: string, values: readonly string[]): string {
  if (message.length <= echoLimit) return message;
  const width = echoLimit / 2;
  const windows = new Map<string, { value: string; at: number }>();
  for (const value of values) {
    if (value.length <= echoLimit) continue;
    for (let at = 0; at + width <= value.length; at += width) {
      const key = value.slice(at, at + width);
      if (!windows.has(key)) windows.set(key, { value, at });
    }
  }
  if (windows.size === 0) return message;
  let clipped = '';
  let copied = 0;
  let j = 0;
  while (j + width <= message.length) {
    const hit = windows.get(message.slice(j, j + width));
    if (!hit) {
      j += 1;
      continue;
    }
    const { value, at } = hit;
    let start = j;
    let from = at;
    while (start > copied && from > 0 && message[start - 1] === value[from - 1]) {
      start -= 1;
      from -= 1;
    }
    let end = j + width;
    let to = at + width;
    while (end < message.length && to < value.length && message[end] === value[to]) {
      end += 1;
      to += 1;
    }
    if (end - start > echoLimit) {
      clipped += message.slice(copied, start) + cut(message.slice(start, end), value.length);
      copied = end;
      j = end;
    } else {
      j += 1;
    }
  }
  return clipped + message.slice(copied);
}

/**
 * Why a decoded request is too deep or too large to validate, or null. Iterative, so a payload
 * nested 5,000 levels deep is measured without recursion and refused with the limits named.
 */
export function requestShapeProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  let values = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    values += 1;
    if (values > requestLimits.maxValues) {
      return `The request holds more than ${requestLimits.maxValues} values; the limit is ${requestLimits.maxValues} values, nested at most ${requestLimits.maxDepth} levels.`;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth > requestLimits.maxDepth) {
      return `The request is nested deeper than ${requestLimits.maxDepth} levels; the limit is ${requestLimits.maxDepth} levels and ${requestLimits.maxValues} values.`;
    }
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return null;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Wrappers that do not change what a value may be (optional, default, ...), unwrapped. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 16; i += 1) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** The schema that validates the value at `path`, where the path goes through objects, arrays and records. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | null {
  let current: z.ZodType | null = unwrap(schema);
  for (const key of path) {
    if (!current) return null;
    const def = defOf(current);
    const next: z.ZodType | undefined =
      def.type === 'object' ? def.shape?.[String(key)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
    current = next ? unwrap(next) : null;
  }
  return current;
}

function hint(issue: z.core.$ZodIssue, schema: z.ZodType): string {
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const target = schemaAt(schema, issue.path) as unknown as { minValue?: number | null; maxValue?: number | null } | null;
    const min = target?.minValue;
    const max = target?.maxValue;
    const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER;
    if (finite(min) && finite(max)) return `; valid: ${min} to ${max}`;
    if (finite(min)) return `; valid: ${min} or more`;
    if (finite(max)) return `; valid: up to ${max}`;
    return '';
  }
  if (issue.code === 'unrecognized_keys') {
    const parent = schemaAt(schema, issue.path);
    const suggestions = issue.keys.slice(0, issueLimit).flatMap((key) => {
      const found = parent ? keyPaths(parent, key, [], 3) : [];
      return found.length > 0 ? [`${echo(key)} belongs under ${found.map((p) => [...issue.path, ...p].join('.')).join(' or ')}`] : [];
    });
    return suggestions.length > 0 ? ` (${suggestions.join('; ')})` : '';
  }
  return '';
}

/** Where a key may stand below `schema` (paths of object keys), at most `depth` objects down. */
function keyPaths(schema: z.ZodType, key: string, prefix: string[], depth: number): string[][] {
  if (depth === 0) return [];
  const def = defOf(unwrap(schema));
  if (def.type !== 'object' || !def.shape) return [];
  return Object.entries(def.shape).flatMap(([name, child]) => {
    const childDef = defOf(unwrap(child));
    if (childDef.type !== 'object' || !childDef.shape) return [];
    const here = key in childDef.shape ? [[...prefix, name, key]] : [];
    return [...here, ...keyPaths(child, key, [...prefix, name], depth - 1)];
  });
}
