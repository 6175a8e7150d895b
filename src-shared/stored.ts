import type { z } from 'zod';
import { ApiError } from './errors';

/**
 * A JSON value read back from SQLite (or a file SegBench wrote), parsed through its schema: a
 * value stored by an older SegBench gets the defaults of fields added since, and one that is not
 * what it claims to be is a clear STORAGE error naming what and where, never a cast that fails
 * later and far away. `JSON.parse(...) as T` is refused by the lint rule in src-main.
 */
export function parseStored<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('STORAGE', `${what} is not valid JSON (${(error as Error).message}).`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new ApiError('STORAGE', `${what} is not what this SegBench expects${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data;
}

/** parseStored for a nullable column: null stays null. */
export function parseStoredOrNull<S extends z.ZodType>(schema: S, text: string | null, what: string): z.output<S> | null {
  return text === null ? null : parseStored(schema, text, what);
}
