// The DynamoDB table layout, shared by the adapter, the CDK stack and the local stack.
// One partition per project: list is a Query, never a Scan.

export const tableKeys = { partition: 'pk', sort: 'sk' } as const;

export const keyOf = {
  project: (project: string) => `PROJECT#${project}`,
  credential: (id: string) => `CREDENTIAL#${id}`,
  registryGuard: (registry: string) => `REGISTRY#${registry}`,
  /** The project's registry-check counter for one registry host (the verify rate limit). */
  hostChecks: (host: string) => `CHECKS#${host}`,
} as const;

export const credentialSortPrefix = 'CREDENTIAL#';

/** The table's stream: both images, so the publisher can tell what a change changed. */
export const tableStreamView = 'NEW_AND_OLD_IMAGES' as const;
