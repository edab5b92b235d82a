// The resolve route's query string: exactly one of `image` (a pull reference) or `server` (what a
// docker credential helper receives on stdin).
import * as z from 'zod/mini';
import { typeError } from './fields.ts';

const value = z.string({ error: typeError('a string') }).check(
  z.minLength(1, 'must not be empty'),
  z.maxLength(1024, 'must be at most 1024 characters'),
);

export const registryAuthQuery = z
  .strictObject({ image: z.optional(value), server: z.optional(value) })
  .check(
    z.superRefine((query, ctx) => {
      if (query.image === undefined && query.server === undefined) {
        ctx.addIssue({ code: 'custom', path: ['image'], message: 'is required (or server, for a credential helper)', input: undefined });
      } else if (query.image !== undefined && query.server !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['server'], message: 'must not be given together with image', input: undefined });
      }
    }),
  );
export type RegistryAuthQuery = z.output<typeof registryAuthQuery>;
