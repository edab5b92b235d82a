// The credential body fields shared by the add and update requests (same rules for both).
import * as z from 'zod/mini';
import { googleKeyProblem } from '../core/google-key.ts';
import { limits } from './config.ts';
import { typeError } from './fields.ts';

/** Absent or null both mean "none" and become null (add; update keeps absent apart from null). */
export const nullByDefault = <T extends z.ZodMiniType>(schema: T) => z._default(z.nullable(schema), null);

export const username = z.string({ error: typeError('a string') }).check(
  z.minLength(1, 'must not be empty'),
  z.maxLength(255, 'must be at most 255 characters'),
  z.refine((v) => !v.includes(':'), 'must not contain ":" (docker splits auth on it)'),
  z.refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters'),
);

export const password = z.string({ error: typeError('a string') }).check(
  z.minLength(1, 'must not be empty'),
  z.refine(
    (v) => Buffer.byteLength(v, 'utf8') <= limits.maxPasswordBytes,
    `must be at most ${limits.maxPasswordBytes} UTF-8 bytes`,
  ),
);

export const email = z.email({ error: (issue) => typeError('a string')(issue) ?? 'must be an email address' }).check(
  z.maxLength(254, 'must be at most 254 characters'),
);

/** The `_json_key` rules: with a Google key username the password must be a service-account key. */
export const googleKeyCheck = z.superRefine((body: { username?: string | null | undefined; password?: string | undefined }, ctx) => {
  if (body.password === undefined) return;
  const problem = googleKeyProblem(body.username ?? null, body.password);
  if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem, input: undefined });
});
