// The registry presets of the add form, as the seed describes them: what the user types for each
// kind of registry, and how that becomes the server and username the API takes.
import { googleKeyUsernames } from '../functions/core/google-key.ts';

export interface PresetField {
  readonly name: string;
  readonly label: string;
  readonly hint?: string;
  readonly value?: string;
}

export interface Preset {
  readonly id: string;
  readonly label: string;
  /** The inputs besides username/email/password that make the server. */
  readonly serverFields: readonly PresetField[];
  server(values: Record<string, string>): string;
  /** A fixed username (not typed), or undefined when the user types one. */
  readonly username?: string;
  readonly passwordLabel: string;
  /** The password is a Google service-account key (paste or choose the file). */
  readonly keyFile?: boolean;
  /** Which server field an API error about `server` belongs to. */
  readonly serverErrorField?: string;
}

const trimmed = (value: string | undefined) => (value ?? '').trim();

export const presets: readonly Preset[] = [
  {
    id: 'dockerhub',
    label: 'Docker Hub',
    serverFields: [],
    server: () => 'https://index.docker.io/v1/',
    passwordLabel: 'Password or personal access token',
  },
  {
    id: 'google',
    label: 'Google (Container or Artifact Registry)',
    serverFields: [{ name: 'host', label: 'Registry host', hint: 'gcr.io, eu.gcr.io, europe-west1-docker.pkg.dev...', value: 'gcr.io' }],
    server: (v) => trimmed(v['host']),
    username: googleKeyUsernames.json,
    passwordLabel: 'Service-account key (JSON)',
    keyFile: true,
    serverErrorField: 'host',
  },
  {
    id: 'azure',
    label: 'Azure Container Registry',
    serverFields: [{ name: 'azureName', label: 'Registry name', hint: 'becomes <name>.azurecr.io' }],
    // ASCII letters only: toLowerCase would turn a Kelvin sign into `k` before the API could refuse it.
    server: (v) => `${trimmed(v['azureName']).replace(/[A-Z]/g, (c) => c.toLowerCase())}.azurecr.io`,
    passwordLabel: 'Service principal password',
    serverErrorField: 'azureName',
  },
  {
    id: 'ecr',
    label: 'Amazon ECR',
    serverFields: [
      { name: 'account', label: 'AWS account ID', hint: '12 digits' },
      { name: 'region', label: 'Region', hint: 'for example eu-west-1' },
    ],
    server: (v) => `${trimmed(v['account'])}.dkr.ecr.${trimmed(v['region'])}.amazonaws.com`,
    username: 'AWS',
    passwordLabel: 'Token (aws ecr get-login-password)',
    serverErrorField: 'account',
  },
  {
    id: 'github',
    label: 'GitHub (ghcr.io)',
    serverFields: [],
    server: () => 'ghcr.io',
    passwordLabel: 'Personal access token (read:packages)',
  },
  {
    id: 'private',
    label: 'Private registry',
    serverFields: [{ name: 'server', label: 'Server URL', hint: 'the full URL, for example https://registry.example.com:5000/v2/' }],
    server: (v) => trimmed(v['server']),
    passwordLabel: 'Password',
    serverErrorField: 'server',
  },
];

export function presetById(id: string): Preset {
  return presets.find((p) => p.id === id) ?? presets[0]!;
}
