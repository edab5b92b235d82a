// Lambda entry (composition root): the schedule's target; enqueues a check of every credential.
import { DynamoDbCredentialReader } from './adapters/dynamodb-credential-reader.ts';
import { SqsVerifyRequests } from './adapters/sqs-verify-requests.ts';
import { enqueueReverification } from './core/reverify.ts';
import { logger } from './http/logger.ts';

const deps = { directory: DynamoDbCredentialReader.fromEnv(), requests: SqsVerifyRequests.fromEnv() };

export const handler = async (): Promise<{ enqueued: number }> => {
  const enqueued = await enqueueReverification(deps);
  logger.info('re-verification enqueued', { enqueued });
  return { enqueued };
};
