// What the SDK clients get in a Lambda bundle where they import @aws-sdk/credential-provider-node
// (an esbuild alias, infra/constructs/api-function.ts). Lambda hands a function its role's
// credentials in environment variables, which the default chain reads first; its other sources
// (profiles, SSO, web identity, container and instance metadata) were a quarter of every bundle,
// compiled at every cold start and never used.
import { fromEnv } from '@aws-sdk/credential-providers';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
