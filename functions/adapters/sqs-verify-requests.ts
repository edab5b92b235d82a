import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { eventEnvNames } from '../contract/events.ts';
import { requiredEnv } from '../contract/config.ts';
import type { CredentialRef } from '../core/reverify.ts';
import type { VerifyRequests } from '../core/ports.ts';
import { clientConfig } from './aws-clients.ts';

/** SendMessageBatch takes at most 10 messages. */
const maxBatch = 10;
const maxAttempts = 3;

/** One message per credential, `{"project","id"}`: the same body the `Credential Added` rule sends. */
export class SqsVerifyRequests implements VerifyRequests {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;

  constructor(sqs: SQSClient, queueUrl: string) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
  }

  static fromEnv(): SqsVerifyRequests {
    return new SqsVerifyRequests(new SQSClient(clientConfig), requiredEnv(eventEnvNames.verifyQueueUrl));
  }

  async enqueue(credentials: readonly CredentialRef[]): Promise<void> {
    for (let i = 0; i < credentials.length; i += maxBatch) {
      let entries = credentials.slice(i, i + maxBatch).map((c, k) => ({ Id: String(k), MessageBody: JSON.stringify({ project: c.project, id: c.id }) }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length > 0 && attempt >= maxAttempts) throw new Error(`${entries.length} verify requests could not be enqueued`);
      }
    }
  }
}
