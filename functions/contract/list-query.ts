// The list route's query string.
import * as z from 'zod/mini';
import { limits } from './config.ts';
import { typeError } from './fields.ts';

export const listQuery = z.strictObject({
  limit: z._default(
    z.coerce.number({ error: typeError('a number') }).check(
      z.int('must be a whole number'),
      z.gte(1, 'must be at least 1'),
      z.lte(limits.maxPageSize, `must be at most ${limits.maxPageSize}`),
    ),
    limits.defaultPageSize,
  ),
  nextToken: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});
