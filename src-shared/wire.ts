import { ApiError, isApiErrorShape } from './errors';

/** Turns a transport reply into its result, or throws the ApiError it carries. */
export function unwrapReply(reply: { ok: boolean; result?: unknown; error?: unknown }): unknown {
  if (reply.ok) return reply.result;
  if (isApiErrorShape(reply.error)) throw new ApiError(reply.error.code, reply.error.message);
  throw new ApiError('INTERNAL', 'The server sent a malformed error reply.');
}
