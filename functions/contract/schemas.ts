// Request and response schemas: the handlers validate with them, the CLI and tests type with them.
// zod/mini keeps the Lambda bundles small (the classic API pulls in every locale).
import * as z from 'zod/mini';
import { parseServer } from '../core/registry.ts';
import { googleKeyProblem } from '../core/google-key.ts';
import { limits } from './config.ts';

/** Type errors that say what was expected, and "is required" when the field is absent. */
const typeError = (expected: string) => (issue: { code?: string; input?: unknown }) => {
  if (issue.code !== 'invalid_type') return undefined;
  return issue.input === undefined ? 'is required' : `must be ${expected}`;
};

export const projectName = z
  .string({ error: typeError('a string') })
  .check(z.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label: 1-63 lowercase letters, digits or hyphens'));

export const credentialId = z.uuid({ error: (issue) => typeError('a string')(issue) ?? 'must be a UUID' });

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

export const credential = z.object({
  id: z.uuid(),
  server: z.string(),
  registry: z.string(),
  username: z.nullable(z.string()),
  email: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
});
export type Credential = z.infer<typeof credential>;

export const credentialPage = z.object({
  items: z.array(credential),
  nextToken: z.nullable(z.string()),
});
export type CredentialPage = z.infer<typeof credentialPage>;

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

export const errorCodes = {
  ValidationError: 400,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  PayloadTooLarge: 413,
  Unavailable: 503,
  InternalError: 500,
} as const;
export type ErrorCode = keyof typeof errorCodes;

export const errorBody = z.object({
  error: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  issues: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  existingId: z.optional(z.uuid()),
});
export type ErrorBody = z.infer<typeof errorBody>;
