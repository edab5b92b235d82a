// SDK client settings shared by every adapter. Timeouts and attempts are chosen so that the worst
// case of one KMS call plus one DynamoDB call (2 attempts x 1.5 s each, plus backoff) stays well
// inside the 10 s Lambda timeout: a hung dependency becomes a 503, never a Lambda timeout.
// Endpoints come from the SDK's own AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_KMS variables.

export const sdkTimeouts = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1500,
  maxAttempts: 2,
} as const;

export const clientConfig = {
  maxAttempts: sdkTimeouts.maxAttempts,
  requestHandler: {
    connectionTimeout: sdkTimeouts.connectionTimeoutMs,
    requestTimeout: sdkTimeouts.requestTimeoutMs,
  },
};
