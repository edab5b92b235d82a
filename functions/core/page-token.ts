// nextToken: opaque to clients, bound to the project it was issued for, and checked for
// tampering. Scoping never depends on the token: the store always queries the request's project.
import { createHash } from 'node:crypto';
import { ValidationError } from './errors.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodePageToken(project: string, lastId: string): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, p: project, k: lastId })).toString('base64url');
  return `${payload}.${digest(payload)}`;
}

/** Returns the id to continue after; ValidationError if the token is malformed, altered or foreign. */
export function decodePageToken(project: string, token: string): string {
  const invalid = ValidationError.field('nextToken', 'is not a valid token for this project');
  const [payload, check, extra] = token.split('.');
  if (!payload || !check || extra !== undefined || digest(payload) !== check) throw invalid;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const { v, p, k } = (fields ?? {}) as Record<string, unknown>;
  if (v !== 1 || p !== project || typeof k !== 'string' || !uuid.test(k)) throw invalid;
  return k;
}

function digest(payload: string): string {
  return createHash('sha256').update(`regcred-page:${payload}`).digest('base64url').slice(0, 22);
}
