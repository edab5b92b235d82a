// What consumers need, as text: the README's client section shows the same snippets, and
// test/unit/console-snippets.test.ts checks they agree.
import { dockerHubRegistry } from '../functions/core/registry.ts';

/** Docker asks for Docker Hub as `https://index.docker.io/v1/`, skopeo and podman as `docker.io`. */
const dockerHubKeys = ['https://index.docker.io/v1/', dockerHubRegistry];

function hosts(registries: readonly string[]): string[] {
  return [...new Set(registries.map((r) => r.split('/')[0]!))];
}

/** `~/.docker/config.json`: one credHelpers entry per registry host. */
export function credHelpersSnippet(registries: readonly string[]): string {
  const keys = hosts(registries).flatMap((host) => (host === dockerHubRegistry ? dockerHubKeys : [host]));
  return `${JSON.stringify({ credHelpers: Object.fromEntries(keys.map((k) => [k, 'regcred'])) }, null, 2)}\n`;
}

export interface KubeletOptions {
  readonly matchImages: readonly string[];
  readonly project: string;
  readonly endpoint: string;
}

/** `/etc/kubernetes/credential-provider.yaml` for regcred-kubelet-credential-provider. */
export function kubeletProviderConfig({ matchImages, project, endpoint }: KubeletOptions): string {
  return [
    '# /etc/kubernetes/credential-provider.yaml',
    'apiVersion: kubelet.config.k8s.io/v1',
    'kind: CredentialProviderConfig',
    'providers:',
    '  - name: regcred-kubelet-credential-provider',
    '    apiVersion: credentialprovider.kubelet.k8s.io/v1',
    '    matchImages:',
    ...matchImages.map((m) => `      - ${JSON.stringify(m)}`),
    '    defaultCacheDuration: "5m"',
    '    args:',
    '      - --cache-duration=5m',
    '    env:',
    '      - name: REGCRED_PROJECT',
    `        value: ${project}`,
    '      - name: REGCRED_ENDPOINT',
    `        value: ${endpoint}`,
    '',
  ].join('\n');
}

export function kubeletMatchImages(registries: readonly string[]): string[] {
  return hosts(registries);
}

/** The command that writes the pull secret without the page ever holding a password. */
export function pullSecretCommand({ project, namespace }: { project?: string; namespace?: string }): string {
  return `regcred docker pull-secret${project ? ` --project ${project}` : ''}${namespace ? ` --namespace ${namespace}` : ''} | kubectl apply -f -`;
}
