// TEMPORARY until read-api lands: the resolve and dockerconfigjson routes and response schemas.
import * as z from 'zod/mini';
import type { Route } from '../functions/contract/routes.ts';

export const pendingRoutes = {
  resolveRegistryAuth: { name: 'resolve-registry-auth', method: 'GET', capability: 'resolve', path: '/projects/{project}/registry-auth', entry: '', hasBody: false, summary: '' },
  getDockerConfigJson: { name: 'get-dockerconfigjson', method: 'GET', capability: 'resolve', path: '/projects/{project}/dockerconfigjson', entry: '', hasBody: false, summary: '' },
} as unknown as Record<'resolveRegistryAuth' | 'getDockerConfigJson', Route>;

export const registryAuth = z.object({
  credentialId: z.string(),
  registry: z.string(),
  image: z.nullable(z.string()),
  server: z.string(),
  username: z.nullable(z.string()),
  email: z.nullable(z.string()),
  password: z.string(),
});
export type RegistryAuth = z.infer<typeof registryAuth>;

export const dockerConfigJson = z.object({
  auths: z.record(z.string(), z.object({ username: z.optional(z.string()), password: z.string(), email: z.optional(z.string()), auth: z.string() })),
});
export type DockerConfigJson = z.infer<typeof dockerConfigJson>;
