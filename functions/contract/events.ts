// Event names shared by the publisher, the CDK stack (bus, rules), the local stack and the CLI.
// The event's shape is built in one place only: core/credential-events.ts.

export const eventDetailTypes = {
  added: 'Credential Added',
  updated: 'Credential Updated',
  deleted: 'Credential Deleted',
  verified: 'Credential Verified',
  verificationFailed: 'Credential Verification Failed',
} as const;

export type EventDetailType = (typeof eventDetailTypes)[keyof typeof eventDetailTypes];

export const eventDefaults = {
  /** EventBridge `source` unless the stack is given another (reverse-DNS style, never `aws.`). */
  source: 'regcred',
  /** `detail.metadata.version`: bumped only when the detail changes incompatibly. */
  schemaVersion: 1,
  /** Where `npm start` appends the events, under REGCRED_HOME. */
  localFile: 'events.ndjson',
} as const;

export const eventEnvNames = {
  busName: 'REGCRED_EVENT_BUS_NAME',
  source: 'REGCRED_EVENT_SOURCE',
  verifyQueueUrl: 'REGCRED_VERIFY_QUEUE_URL',
} as const;
