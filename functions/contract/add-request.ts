// The add route's request body and query: only the add bundle needs these schemas and what they pull in.
import * as z from 'zod/mini';
import { parseServer } from '../core/registry.ts';
import { email, googleKeyCheck, nullByDefault, password, username } from './credential-fields.ts';
import { typeError } from './fields.ts';

/** A registry server as docker names it, refused with parseServer's reason (add and the IaC provider). */
export const server = z.string({ error: typeError('a string') }).check(
  z.superRefine((value, ctx) => {
    const parsed = parseServer(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason, input: value });
  }),
);

export const addCredentialRequest = z
  .strictObject({
    server,
    username: nullByDefault(username),
    email: nullByDefault(email),
    password,
  }, { error: typeError('a JSON object') })
  .check(googleKeyCheck);
export type AddCredentialRequest = z.input<typeof addCredentialRequest>;

/** `?verify=true` checks the login against the registry before saving. */
export const addCredentialQuery = z.strictObject({
  verify: z.pipe(
    z._default(z.enum(['true', 'false'], 'must be true or false'), 'false'),
    z.transform((v: 'true' | 'false') => v === 'true'),
  ),
});

/** What the query means when the request has none (most adds): no parse needed. */
export const noAddQuery = addCredentialQuery.parse({});
