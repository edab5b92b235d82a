// Environment variable names shared by the handlers, the CDK stack and the local stack.
// Endpoints are overridden with the AWS SDK's own AWS_ENDPOINT_URL_<SERVICE> variables.

export const envNames = {
  tableName: 'REGCRED_TABLE_NAME',
  kmsKeyId: 'REGCRED_KMS_KEY_ID',
  /** `true` lets registry checks use http and loopback and private (never link-local) addresses; only `npm start` sets it. */
  allowInsecureRegistries: 'REGCRED_ALLOW_INSECURE_REGISTRIES',
  /** The RegistryCredential provider's grants: JSON `[{"project","stack"}]` (the grants file's `stacks`). */
  stackGrants: 'REGCRED_STACK_GRANTS',
} as const;

export const limits = {
  maxBodyBytes: 16 * 1024,
  maxPasswordBytes: 4096,
  defaultPageSize: 50,
  maxPageSize: 100,
} as const;

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
