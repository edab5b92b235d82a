// A Kubernetes image pull secret as `kubectl create secret docker-registry` makes it: type
// kubernetes.io/dockerconfigjson, data key .dockerconfigjson = the {"auths"} JSON in base64, byte
// for byte as kubectl (Go) marshals it.
import { UsageError } from './config.ts';
import { goMarshal } from '../common/go-json.ts';

import { pullSecretManifest } from '../common/pull-secret-yaml.ts';

export { defaultSecretName, pullSecretYaml } from '../common/pull-secret-yaml.ts';

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface PullSecretOptions {
  readonly name: string;
  readonly namespace?: string | undefined;
}

export function pullSecret(dockerConfig: unknown, options: PullSecretOptions) {
  if (options.name.length > 253 || !subdomain.test(options.name)) {
    throw new UsageError(`--name "${options.name}" is not a Kubernetes object name (lowercase letters, digits, '-' and '.', at most 253).`);
  }
  if (options.namespace !== undefined && (options.namespace.length > 63 || !label.test(options.namespace))) {
    throw new UsageError(`--namespace "${options.namespace}" is not a Kubernetes namespace (a DNS label: lowercase letters, digits and '-', at most 63).`);
  }
  const metadata = { name: options.name, ...(options.namespace !== undefined && { namespace: options.namespace }) };
  return pullSecretManifest(Buffer.from(goMarshal(dockerConfig)).toString('base64'), metadata);
}
