// The add route's request body: only the add bundle needs this schema and what it pulls in.
import * as z from 'zod/mini';
import { parseServer } from '../core/registry.ts';
import { googleKeyProblem } from '../core/google-key.ts';
import { limits } from './config.ts';
import { typeError } from './fields.ts';

const nullableOptional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.nullish(schema),
    z.transform((v: z.output<T> | null | undefined) => v ?? null),
  );

const username = z.string({ error: typeError('a string') }).check(
  z.minLength(1, 'must not be empty'),
  z.maxLength(255, 'must be at most 255 characters'),
  z.refine((v) => !v.includes(':'), 'must not contain ":" (docker splits auth on it)'),
  z.refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters'),
);

const password = z.string({ error: typeError('a string') }).check(
  z.minLength(1, 'must not be empty'),
  z.refine(
    (v) => Buffer.byteLength(v, 'utf8') <= limits.maxPasswordBytes,
    `must be at most ${limits.maxPasswordBytes} UTF-8 bytes`,
  ),
);

const server = z.string({ error: typeError('a string') }).check(
  z.superRefine((value, ctx) => {
    const parsed = parseServer(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason, input: value });
  }),
);

export const addCredentialRequest = z
  .strictObject({
    server,
    username: nullableOptional(username),
    email: nullableOptional(
      z.email({ error: (issue) => typeError('a string')(issue) ?? 'must be an email address' }).check(
        z.maxLength(254, 'must be at most 254 characters'),
      ),
    ),
    password,
  }, { error: typeError('a JSON object') })
  .check(
    z.superRefine((body, ctx) => {
      const problem = googleKeyProblem(body.username, body.password);
      if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem, input: undefined });
    }),
  );
export type AddCredentialRequest = z.input<typeof addCredentialRequest>;
