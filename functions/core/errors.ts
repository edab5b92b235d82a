// Domain errors; the HTTP layer maps each to a status code. Messages never carry secrets.

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class ValidationError extends Error {
  readonly issues: readonly FieldIssue[];
  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super(message);
    this.name = 'ValidationError';
    this.issues = issues;
  }

  static field(path: string, message: string): ValidationError {
    return new ValidationError(`${path} ${message}`, [{ path, message }]);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** No credential of the project matches what was asked for: a normal answer, not a failure. */
export class NoCredentialError extends Error {
  override name = 'NoCredentialError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
  readonly existingId: string;
  constructor(message: string, existingId: string) {
    super(message);
    this.existingId = existingId;
  }
}

/** A dependency (KMS, DynamoDB) failed or timed out; nothing was written. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/** The credential changed since the version the caller named (If-Match); nothing was written. */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
  readonly currentVersion: number;
  constructor(message: string, currentVersion: number) {
    super(message);
    this.currentVersion = currentVersion;
  }
}

/** The registry refused the login (add with verify); nothing was stored. */
export class InvalidCredentialError extends Error {
  override name = 'InvalidCredentialError';
  readonly detail: string;
  constructor(message: string, detail: string) {
    super(message);
    this.detail = detail;
  }
}

/** Too soon for another registry check of this credential version. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  readonly retryAfterSeconds: number;
  /** What was limited: this credential version, or the project's checks of a registry host. */
  readonly scope: 'credential' | 'host';
  constructor(message: string, retryAfterSeconds: number, scope: 'credential' | 'host' = 'credential') {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
    this.scope = scope;
  }
}

/** The caller may not do this (e.g. a stack without a grant for the project, or not owning the credential); nothing was changed. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
