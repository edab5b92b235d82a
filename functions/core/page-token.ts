// nextToken: an opaque cursor, the last id of a page and the project it was issued for. It is not
// signed and need not be: anyone can write one, and that gains nothing. The store queries only the
// request's project (the key condition names the partition of the project in the path, which is
// what IAM authorises) and uses the cursor only as the start key inside that same partition, so a
// forged token can at most move within the caller's own project. The project in the token and the
// shape checks only turn a token pasted into the wrong project, or mangled, into a clear 400.
import { ValidationError } from './errors.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const base64url = /^[A-Za-z0-9_-]+$/;

export function encodePageToken(project: string, lastId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, p: project, k: lastId })).toString('base64url');
}

/** Returns the id to continue after; ValidationError if the token is malformed or another project's. */
export function decodePageToken(project: string, token: string): string {
  const invalid = ValidationError.field('nextToken', 'is not a valid token for this project');
  if (!base64url.test(token)) throw invalid;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.keys(fields).length !== 3) throw invalid;
  const { v, p, k } = fields as Record<string, unknown>;
  if (v !== 1 || p !== project || typeof k !== 'string' || !uuid.test(k)) throw invalid;
  return k;
}
