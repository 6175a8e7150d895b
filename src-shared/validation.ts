import type { z } from 'zod';
import { ApiError } from './errors';

/**
 * Formats zod issues as one line per problem, naming the field and the valid values or range,
 * e.g. `steps: expected a number <= 10000 (got 20000)`.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  return issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : 'request';
      const got = valueAt(input, issue.path);
      const gotText = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
      return `${path}: ${issue.message}${gotText}`;
    })
    .join('; ');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Parses `input` with `schema` or throws a VALIDATION ApiError naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ApiError('VALIDATION', `Invalid ${what}: ${describeIssues(result.error.issues, input)}`);
}
