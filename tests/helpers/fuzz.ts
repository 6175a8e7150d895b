/**
 * Malformed input for the server, made from a seed so a failure can be replayed. One copy serves the
 * fuzz test and bench/reliability.ts: it lives in bench/support/fuzz.ts, because benches may not
 * import tests/ (eslint-layers.mjs) while tests may use bench/support.
 */
export { fuzzHttpRequests, fuzzSocketFrames, rawRequest } from '../../bench/support/fuzz';
