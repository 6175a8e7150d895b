/**
 * Errors that cross the API boundary. Every error carries a stable code (for programs and tests)
 * and a message written for the user: what was wrong and what would be valid.
 */
const errorCodes = [
  'VALIDATION',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  /** Refused on purpose: e.g. a file that could reach outside the folders SegBench may serve. */
  'FORBIDDEN',
  'CONFLICT',
  'UNAUTHORIZED',
  'DB_TOO_NEW',
  'ENGINE',
  'INTERNAL',
  /** A file could not be written (disk full, permissions); nothing was changed. */
  'STORAGE',
  /** A server SegBench downloads from (the Hugging Face hub) could not be reached or failed. */
  'NETWORK',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ApiErrorShape {
  code: ErrorCode;
  message: string;
}

export class ApiError extends Error implements ApiErrorShape {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }

  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message };
  }
}

export function isApiErrorShape(value: unknown): value is ApiErrorShape {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.message === 'string' && typeof candidate.code === 'string' && (errorCodes as readonly string[]).includes(candidate.code);
}

/** Turns anything thrown into an ApiError; unknown failures become INTERNAL with their message. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isApiErrorShape(error)) return new ApiError(error.code, error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError('INTERNAL', message);
}
