// The update route's request body: the add fields except `server`, all optional, at least one given.
// An absent field is unchanged; a null username or email is removed.
import * as z from 'zod/mini';
import { email, googleKeyCheck, password, username } from './credential-fields.ts';
import { typeError } from './fields.ts';
import { googleKeyUsernames } from '../core/google-key.ts';

const updatableFields = ['password', 'username', 'email'] as const;

export const updateCredentialRequest = z
  .strictObject({
    server: z.optional(z.unknown()),
    username: z.optional(z.nullable(username)),
    email: z.optional(z.nullable(email)),
    password: z.optional(password),
  }, { error: typeError('a JSON object') })
  .check(
    z.superRefine((body, ctx) => {
      if (body.server !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['server'], message: 'cannot be changed: a different registry is a new credential', input: undefined });
      }
      if (!updatableFields.some((field) => body[field] !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['body'], message: `must change at least one of ${updatableFields.join(', ')}`, input: undefined });
      }
      // The stored password cannot be read here (update holds kms:Encrypt only), so it cannot be checked.
      if (Object.values(googleKeyUsernames).includes(body.username as never) && body.password === undefined) {
        ctx.addIssue({ code: 'custom', path: ['password'], message: `is required when username changes to ${body.username}`, input: undefined });
      }
    }),
    googleKeyCheck,
  );
export type UpdateCredentialRequest = z.input<typeof updateCredentialRequest>;
