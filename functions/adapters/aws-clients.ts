// SDK client settings shared by every adapter, chosen so that a slow or hung dependency becomes a
// 503 well inside the 10 s Lambda timeout, never a Lambda timeout. add is the longest route: one
// KMS operation then one DynamoDB operation, run one after the other.
// - requestTimeoutMs bounds one attempt from sending to the response headers. The SDK's handler
//   only logs a warning when it passes unless throwOnRequestTimeout is set; without it (and with
//   the SDK's default 300 s socket timeout) a dependency that accepts the connection and never
//   answers held the handler until Lambda killed it.
// - socketTimeoutMs bounds silence on the socket while the response body is read.
// - operationDeadlineMs bounds one port operation as a whole (every SDK call it makes, each with
//   its attempts and backoff, and a body that trickles in byte by byte), through an AbortSignal.
//   Worst case for add: 2 x 4 s = 8 s < 10 s (measured 7.5 s in test/adversarial/faults.test.ts).
//   A silent dependency fails an attempt after 1.5 s, so two attempts and the retry backoff (~3 s)
//   normally end before the deadline; it is the backstop.
// Endpoints come from the SDK's own AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_KMS variables.

export const sdkTimeouts = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1500,
  socketTimeoutMs: 1500,
  maxAttempts: 2,
  operationDeadlineMs: 4000,
} as const;

export const clientConfig = {
  maxAttempts: sdkTimeouts.maxAttempts,
  requestHandler: {
    connectionTimeout: sdkTimeouts.connectionTimeoutMs,
    requestTimeout: sdkTimeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: sdkTimeouts.socketTimeoutMs,
  },
};

/** Options for every SDK `send` of one port operation: they share one deadline. An AbortController
 * and an unref'd timer cost ~1 µs where AbortSignal.timeout costs ~10 µs (a weak timer and a
 * finalization-registry entry per signal). The timer is not cleared when the operation ends: it
 * then aborts a signal nobody listens to any more, and the timers of all operations share one list
 * (clearing the only timer of a list and arming the next one cost more than letting it run out). */
export function operationDeadline(): { abortSignal: AbortSignal } {
  const controller = new AbortController();
  const expire = () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  setTimeout(expire, sdkTimeouts.operationDeadlineMs).unref();
  return { abortSignal: controller.signal };
}
