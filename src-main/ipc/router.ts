import { isMethodName, methods } from '../../src-shared/contract';
import type { MethodName, ParsedRequestOf, ResponseOf } from '../../src-shared/contract';
import { ApiError, toApiError } from '../../src-shared/errors';
import type { ApiErrorShape } from '../../src-shared/errors';
import { describeIssues, echo, requestShapeProblem } from '../../src-shared/validation';
import type { Logger } from '../log';

export type Handlers = {
  [M in MethodName]: (request: ParsedRequestOf<M>) => ResponseOf<M> | Promise<ResponseOf<M>>;
};

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

/**
 * The boundary every transport goes through: it checks the method name, parses the payload with
 * the contract's zod schema, runs the handler and turns any failure into `{code, message}`.
 * Nothing a client sends can throw past this function.
 */
export function createDispatcher(handlers: Handlers, logger: Logger) {
  return async function dispatch(method: unknown, payload: unknown): Promise<DispatchResult> {
    try {
      if (!isMethodName(method)) {
        throw new ApiError(
          'UNKNOWN_METHOD',
          `Unknown method ${echo(method)}. Valid methods: ${Object.keys(methods).join(', ')}.`,
        );
      }
      const shapeProblem = requestShapeProblem(payload);
      if (shapeProblem) throw new ApiError('VALIDATION', `Invalid request for ${method}: ${shapeProblem}`);
      const schema = methods[method].request;
      const parsed = schema.safeParse(payload ?? {});
      if (!parsed.success) {
        throw new ApiError('VALIDATION', `Invalid request for ${method}: ${describeIssues(parsed.error.issues, payload, schema)}`);
      }
      const handler = handlers[method] as (request: unknown) => unknown;
      const result = await handler(parsed.data);
      return { ok: true, result: result ?? null };
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === 'INTERNAL') {
        logger.error(`[api] ${String(method)} failed: ${error instanceof Error ? (error.stack ?? error.message) : apiError.message}`);
      }
      return { ok: false, error: apiError.toJSON() };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
