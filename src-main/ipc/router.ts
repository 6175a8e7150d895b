import { isMethodName, methods } from '../../src-shared/contract';
import type { MethodName, ParsedRequestOf, ResponseOf } from '../../src-shared/contract';
import { ApiError, toApiError } from '../../src-shared/errors';
import type { ApiErrorShape } from '../../src-shared/errors';
import { clipEchoes, describeIssues, echo, longStrings, requestShapeProblem } from '../../src-shared/request-errors';
import type { Logger } from '../log';

export type Handlers = {
  [M in MethodName]: (request: ParsedRequestOf<M>) => ResponseOf<M> | Promise<ResponseOf<M>>;
};

type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

/**
 * The boundary every transport goes through: it checks the method name, parses the payload with
 * the contract's zod schema, runs the handler and turns any failure into `{code, message}`.
 * Nothing a client sends can throw past this function, and no error message repeats more than
 * `echoLimit` characters of anything it sent (`clipEchoes`), wherever the message was written.
 */
export function createDispatcher(handlers: Handlers, logger: Logger) {
  return async function dispatch(method: unknown, payload: unknown): Promise<DispatchResult> {
    let shapeProblem: string | null = null;
    try {
      if (!isMethodName(method)) {
        throw new ApiError('UNKNOWN_METHOD', `Unknown method ${echo(method)}. Valid methods: ${Object.keys(methods).join(', ')}.`);
      }
      shapeProblem = requestShapeProblem(payload);
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
      // A request refused for its size is not searched: its message quotes none of it.
      const sent = shapeProblem ? [] : longStrings([method, payload]);
      const message = clipEchoes(apiError.message, sent);
      if (apiError.code === 'INTERNAL') {
        const frames = error instanceof Error && error.stack ? error.stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];
        const stack = frames.join('\n');
        logger.error(`[api] ${clipEchoes(String(method), sent)} failed: ${message}${stack ? `\n${stack}` : ''}`);
      }
      return { ok: false, error: { code: apiError.code, message } };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
