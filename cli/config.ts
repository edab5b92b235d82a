// Settings: flag > environment > config file > default (for the endpoint: a running local stack's
// lock file, see local-stack-lock.ts). The file is JSON, mode 0600, at
// $XDG_CONFIG_HOME/regcred/config.json or ~/.config/regcred/config.json.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectName } from '../functions/contract/schemas.ts';

/** An example endpoint for messages (npm start's default address); never used as a default. */
export const exampleEndpoint = 'http://127.0.0.1:3000';

export const configKeys = ['project', 'endpoint', 'region', 'helper-writes'] as const;
export type ConfigKey = (typeof configKeys)[number];
export type ConfigFile = Partial<Record<ConfigKey, string>>;

export const envNamesFor: Record<ConfigKey, readonly string[]> = {
  project: ['REGCRED_PROJECT'],
  endpoint: ['REGCRED_ENDPOINT'],
  region: ['REGCRED_REGION', 'AWS_REGION'],
  'helper-writes': ['REGCRED_HELPER_WRITES'],
};

/**
 * What the docker credential helper may change: `add` (the default: `store` adds a credential for a
 * registry that has none, never replaces one, and `erase` deletes nothing) or `replace` (`store`
 * replaces the registry's login in place, `erase` deletes it).
 */
export const helperWritesValues = ['add', 'replace'] as const;
export type HelperWrites = (typeof helperWritesValues)[number];

/** A mistake in how regcred was called: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'regcred', 'config.json');
}

export function readConfig(path = configPath()): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`The config file ${path} is not valid JSON; fix or delete it.`);
  }
  const config: ConfigFile = {};
  if (parsed && typeof parsed === 'object') {
    for (const key of configKeys) {
      const value = (parsed as Record<string, unknown>)[key];
      if (typeof value === 'string') config[key] = value;
    }
  }
  return config;
}

export function writeConfig(config: ConfigFile, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function parseConfigKey(key: string): ConfigKey {
  if ((configKeys as readonly string[]).includes(key)) return key as ConfigKey;
  throw new UsageError(`Unknown config key "${key}"; the keys are ${configKeys.join(', ')}.`);
}

/** Checks a value before it is stored or used; returns it normalised. */
export function checkSetting(key: ConfigKey, value: string): string {
  if (key === 'project') {
    if (!projectName.safeParse(value).success) {
      throw new UsageError(`Project "${value}" is not valid: it must be a DNS label (1-63 lowercase letters, digits or hyphens).`);
    }
    return value;
  }
  if (key === 'endpoint') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`Endpoint "${value}" is not a URL; give one such as ${exampleEndpoint}.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`The endpoint must be an http:// or https:// URL, not ${url.protocol}.`);
    }
    if (url.username || url.password || url.search || url.hash) {
      throw new UsageError('The endpoint must not contain user info, a query or a fragment.');
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw new UsageError(
        `The endpoint ${url.origin} is plain http:// to a host that is not loopback: passwords and signatures would cross the network unencrypted. ` +
          'Use https://, or http:// only to 127.0.0.1, localhost or [::1].',
      );
    }
    return value.replace(/\/+$/, '');
  }
  if (key === 'helper-writes') {
    if (!(helperWritesValues as readonly string[]).includes(value)) {
      throw new UsageError(`helper-writes "${value}" is not one of ${helperWritesValues.join(', ')}.`);
    }
    return value;
  }
  if (!/^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(value)) {
    throw new UsageError(`Region "${value}" does not look like an AWS region (e.g. eu-west-1).`);
  }
  return value;
}

/** 127.0.0.0/8, localhost or [::1], as the WHATWG URL parser writes a hostname. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export interface Settings {
  readonly project: string | undefined;
  /** Undefined when no source has one: connect() then looks for a running local stack. */
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  readonly helperWrites: HelperWrites;
}

/**
 * Resolves each setting from the first source that has it: flag, environment, file, default. A
 * value given but empty (`--project ''`, `REGCRED_PROJECT=`, `--project "$UNSET"`) is a usage error,
 * never a reason to fall back to the next source. Only AWS_REGION, AWS's own variable, counts as
 * unset when empty, as the AWS SDK counts it.
 */
export function resolveSettings(
  flags: Partial<Record<ConfigKey, string | undefined>>,
  env: NodeJS.ProcessEnv,
  file: ConfigFile,
): Settings {
  const pick = (key: ConfigKey): string | undefined => {
    const flag = flags[key];
    if (flag === '') throw new UsageError(`--${key} is empty (an unset shell variable?); give a ${key} or leave the option out.`);
    const envName = envNamesFor[key].find((name) => env[name] !== undefined && !(name === 'AWS_REGION' && env[name] === ''));
    const fromEnv = envName === undefined ? undefined : env[envName];
    if (envName !== undefined && fromEnv === '') {
      throw new UsageError(`${envName} is set but empty; set it to a ${key} or unset it.`);
    }
    if (flag === undefined && fromEnv === undefined && file[key] === '') {
      throw new UsageError(
        `The ${key} in ${configPath(env)} is empty; set it with \`regcred config set ${key} <value>\` or remove it with \`regcred config unset ${key}\`.`,
      );
    }
    const value = flag ?? fromEnv ?? file[key];
    return value === undefined ? undefined : checkSetting(key, value);
  };
  return {
    project: pick('project'),
    endpoint: pick('endpoint'),
    region: pick('region'),
    helperWrites: (pick('helper-writes') ?? 'add') as HelperWrites,
  };
}
