// Turns an image reference into the repository it names and the registry keys that may hold its
// credential, with the distribution/reference rules (../shared/reference/consumers.md):
// `nginx` -> docker.io/library/nginx, `me/app` -> docker.io/me/app, tag and digest dropped.
import { asciiOnly, dockerHubRegistry, parseServer } from './registry.ts';

const nameTotalLengthMax = 255;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
// Always matched against host/remainder, so the domain is required here.
const reference = new RegExp(`^(${domain})/(${pathComponent}(?:/${pathComponent})*)(?::${tag})?(?:@${digest})?$`);
const hexIdentifier = /^[a-f0-9]{64}$/;

export type ImageParse = { ok: true; image: string } | { ok: false; reason: string };

/** The normalised repository (`docker.io/library/nginx`) of a reference such as `nginx:1.25`. */
export function normaliseImage(input: string): ImageParse {
  // Before any case mapping (see registry.ts): the Kelvin sign would lowercase to `k`.
  if (/[^\x00-\x7f]/.test(input)) return fail(asciiOnly);
  if (hexIdentifier.test(input)) return fail('must be a repository name, not a 64-character image id');
  const [host, remainder] = splitDomain(input);
  const remoteName = remainder.split(/[:@]/, 1)[0] ?? '';
  if (remoteName.toLowerCase() !== remoteName) return fail('must have a lowercase repository name');
  const repository = host === dockerHubRegistry && !remainder.includes('/') ? `library/${remainder}` : remainder;
  const match = reference.exec(`${host}/${repository}`);
  if (!match) return fail('must be an image reference such as nginx, ghcr.io/org/app:1.0 or localhost:5000/app@sha256:...');
  const name = `${host}/${match[2]}`;
  if (name.length > nameTotalLengthMax) return fail(`must name a repository of at most ${nameTotalLengthMax} characters`);
  return { ok: true, image: name };
}

/** Registry keys that could hold an image's credential, most specific first: the repository, each parent path, the host. */
export function candidateRegistries(image: string): string[] {
  const components = image.split('/');
  return components.map((_, i) => components.slice(0, components.length - i).join('/'));
}

// The first component is a host only if it is localhost, or has a `.`, a `:` or an uppercase letter.
function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isHost = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  if (!isHost) return [dockerHubRegistry, name];
  const host = first.toLowerCase();
  // Spelt as a stored server's key (registry.ts): Docker Hub's aliases, no `:443`, no leading zeros
  // in the port, RFC 5952 IPv6. A host the server rules refuse is left to the reference pattern.
  const key = parseServer(host);
  return [key.ok ? key.registry : host, name.slice(slash + 1)];
}

function fail(reason: string): ImageParse {
  return { ok: false, reason };
}
