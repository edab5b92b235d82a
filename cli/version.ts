// The package's version, read from package.json beside the sources (cli/) or the bundles (dist/).
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** What every bin prints for its version, as docker's credential helpers do: `<bin> (regcred) <version>`. */
export function versionLine(bin: string, version = packageVersion()): string {
  return `${bin} (regcred) ${version}`;
}
