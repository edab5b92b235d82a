// The documented error codes and their HTTP statuses (no zod: every bundle needs this).

export const errorCodes = {
  ValidationError: 400,
  NotFound: 404,
  /** No credential of the project matches the image or server asked for. */
  NoCredential: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  InvalidCredential: 422,
  TooManyRequests: 429,
  Unavailable: 503,
  InternalError: 500,
} as const;
export type ErrorCode = keyof typeof errorCodes;
