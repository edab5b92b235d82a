// Field schemas shared by the path parameters and the request bodies. Each route's bundle imports
// only the schema modules it validates with (zod/mini calls at module level are not tree-shaken).
import * as z from 'zod/mini';

/** Type errors that say what was expected, and "is required" when the field is absent. */
export const typeError = (expected: string) => (issue: { code?: string; input?: unknown }) => {
  if (issue.code !== 'invalid_type') return undefined;
  return issue.input === undefined ? 'is required' : `must be ${expected}`;
};

export const projectName = z
  .string({ error: typeError('a string') })
  .check(z.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label: 1-63 lowercase letters, digits or hyphens'));

export const credentialId = z.uuid({ error: (issue) => typeError('a string')(issue) ?? 'must be a UUID' });
