// Events in: re-verifying every credential (the schedule) and new ones an add did not check (the
// `Credential Added` rule). The schedule only enqueues; a queue worker runs verifyCredential.
import { mapConcurrently } from './concurrency.ts';
import { NotFoundError, RateLimitedError } from './errors.ts';
import type { VerifyRequests } from './ports.ts';
import { verifyCredential, type VerifyCredentialDeps } from './verify-credential.ts';

export interface CredentialRef {
  readonly project: string;
  readonly id: string;
}

/** Every credential of the table, a page at a time (one paginated read, not one per project). */
export interface CredentialDirectory {
  everyCredential(): AsyncIterable<readonly CredentialRef[]>;
}

/** Asks for a check of every credential; returns how many were enqueued. */
export async function enqueueReverification(deps: { directory: CredentialDirectory; requests: VerifyRequests }): Promise<number> {
  let count = 0;
  for await (const page of deps.directory.everyCredential()) {
    if (page.length === 0) continue;
    await deps.requests.enqueue(page);
    count += page.length;
  }
  return count;
}

/** Registry checks run at most this many at a time per worker invocation. */
const verifyConcurrency = 4;

/**
 * Verifies each credential; the result is stored (and published by the stream). Returns the indexes
 * that should be retried: a credential deleted since, or checked within the rate-limit interval, is
 * done; one whose host's checks are spent for the project is retried.
 */
export async function verifyEach(deps: VerifyCredentialDeps, refs: readonly CredentialRef[]): Promise<number[]> {
  const outcomes = await mapConcurrently(refs, verifyConcurrency, async (ref) => {
    try {
      await verifyCredential(deps, ref);
      return true;
    } catch (error) {
      // The project's checks of the host are spent for now: SQS delivers it again later.
      return error instanceof NotFoundError || (error instanceof RateLimitedError && error.scope === 'credential');
    }
  });
  return outcomes.flatMap((done, index) => (done ? [] : [index]));
}
