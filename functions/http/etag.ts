// Entity tags of credential versions: `ETag: "3"`; `If-Match: "3"` updates only version 3.

export function entityTag(version: number): string {
  return `"${version}"`;
}

/**
 * The version an If-Match header asks for: undefined when absent or `*` (any existing credential),
 * 0 when it names no version (it can never match, so the update is refused with 412).
 */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const version = /^\s*(?:W\/)?"([1-9]\d{0,14})"\s*$/.exec(ifMatch)?.[1];
  return version === undefined ? 0 : Number(version);
}
