import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { credentialParams } from '../contract/path-params.ts';
import { verifyEach, type CredentialRef } from '../core/reverify.ts';
import type { VerifyCredentialDeps } from '../core/verify-credential.ts';
import { logger } from '../http/logger.ts';

/** The verify queue's worker: each message `{"project","id"}`; failed checks are retried by SQS, then dead-lettered. */
export function verifyQueuedHandler(deps: VerifyCredentialDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const valid: { messageId: string; ref: CredentialRef }[] = [];
    for (const record of event.Records) {
      const parsed = credentialParams.safeParse(parseJson(record.body));
      // A malformed request never becomes valid: dropped (and logged), not retried.
      if (parsed.success) valid.push({ messageId: record.messageId, ref: parsed.data });
      else logger.warn('verify request dropped: not {"project","id"}', { messageId: record.messageId });
    }
    const failed = await verifyEach(deps, valid.map((v) => v.ref));
    return { batchItemFailures: failed.map((i) => ({ itemIdentifier: valid[i]?.messageId ?? '' })) };
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
