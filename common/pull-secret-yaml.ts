// The pull secret's manifest and YAML, with no Node.js imports: the CLI and the console both build them.

export interface PullSecretManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly type: string;
  readonly data: { readonly '.dockerconfigjson': string };
}

/** The manifest as YAML; every value is a validated name or base64, so none needs quoting. */
export function pullSecretYaml(secret: PullSecretManifest): string {
  const { metadata } = secret;
  return [
    `apiVersion: ${secret.apiVersion}`,
    `kind: ${secret.kind}`,
    'metadata:',
    `  name: ${metadata.name}`,
    ...(metadata.namespace !== undefined ? [`  namespace: ${metadata.namespace}`] : []),
    `type: ${secret.type}`,
    'data:',
    `  .dockerconfigjson: ${secret.data['.dockerconfigjson']}`,
    '',
  ].join('\n');
}

export const defaultSecretName = 'regcred';

/** The Secret as kubectl makes it, around the base64 of the {"auths"} JSON. */
export function pullSecretManifest(dockerConfigBase64: string, metadata: PullSecretManifest['metadata']): PullSecretManifest {
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfigBase64 } };
}
