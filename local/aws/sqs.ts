// The template's queues, in memory, over SQS's JSON protocol (what @aws-sdk/client-sqs speaks):
// send, receive with a visibility timeout, delete, and the redrive policy's move to the dead-letter
// queue after maxReceiveCount receives. Enough for the enqueuer, the rule target and the event
// source mapping; not a general SQS.
import { createHash, randomUUID } from 'node:crypto';
import type { NeededPermission } from '../iam/gate.ts';
import type { LocalQueue } from '../template/world.ts';
import { ServiceError, type Input, type LocalService } from './server.ts';

/** A queue of the template (local/template/world.ts). */
export type QueueDefinition = LocalQueue;

interface Message {
  readonly id: string;
  readonly body: string;
  readonly md5: string;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receipt?: string;
}

const operations = ['SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch', 'GetQueueAttributes', 'GetQueueUrl', 'ChangeMessageVisibility', 'PurgeQueue'];
const actionOf: Record<string, string> = { SendMessageBatch: 'SendMessage', DeleteMessageBatch: 'DeleteMessage' };

export class LocalQueues implements LocalService {
  readonly targetPrefix = 'AmazonSQS';
  readonly signingName = 'sqs';
  readonly contentType = 'application/x-amz-json-1.0';
  readonly maxRequestBytes = 1024 * 1024;
  private readonly queues = new Map<string, { definition: QueueDefinition; messages: Message[] }>();
  private readonly listeners = new Set<() => void>();

  constructor(definitions: readonly QueueDefinition[]) {
    for (const definition of definitions) this.queues.set(definition.url, { definition, messages: [] });
  }

  errorType = (type: string) => `com.amazonaws.sqs#${type}`;
  has = (operation: string) => operations.includes(operation);

  permissions(operation: string, input: Input): NeededPermission[] {
    if (operation === 'GetQueueUrl') {
      const queue = [...this.queues.values()].find((q) => q.definition.name === input['QueueName']);
      if (!queue) throw new ServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
      return [{ action: 'sqs:GetQueueUrl', resource: queue.definition.arn, resourcePolicy: queue.definition.policy }];
    }
    const { definition } = this.queue(input);
    return [{ action: `sqs:${actionOf[operation] ?? operation}`, resource: definition.arn, resourcePolicy: definition.policy }];
  }

  run(operation: string, input: Input): Input {
    const queue = operation === 'GetQueueUrl' ? undefined : this.queue(input);
    switch (operation) {
      case 'GetQueueUrl':
        return { QueueUrl: [...this.queues.values()].find((q) => q.definition.name === input['QueueName'])!.definition.url };
      case 'SendMessage':
        return this.send(queue!.definition.url, String(input['MessageBody'] ?? ''));
      case 'SendMessageBatch': {
        const entries = (input['Entries'] ?? []) as Input[];
        if (entries.length < 1 || entries.length > 10) throw new ServiceError('TooManyEntriesInBatchRequest', 'A batch holds 1 to 10 entries.');
        return { Successful: entries.map((e) => ({ Id: e['Id'], ...this.send(queue!.definition.url, String(e['MessageBody'] ?? '')) })), Failed: [] };
      }
      case 'ReceiveMessage':
        return { Messages: this.receive(queue!, Number(input['MaxNumberOfMessages'] ?? 1), input['VisibilityTimeout']) };
      case 'DeleteMessage':
        this.remove(queue!, String(input['ReceiptHandle']));
        return {};
      case 'DeleteMessageBatch': {
        const entries = (input['Entries'] ?? []) as Input[];
        for (const e of entries) this.remove(queue!, String(e['ReceiptHandle']));
        return { Successful: entries.map((e) => ({ Id: e['Id'] })), Failed: [] };
      }
      case 'ChangeMessageVisibility': {
        const message = queue!.messages.find((m) => m.receipt === input['ReceiptHandle']);
        if (message) message.visibleAt = Date.now() + Number(input['VisibilityTimeout'] ?? 0) * 1000;
        return {};
      }
      case 'PurgeQueue':
        queue!.messages.splice(0);
        return {};
      default: {
        const visible = queue!.messages.filter((m) => m.visibleAt <= Date.now()).length;
        return {
          Attributes: {
            QueueArn: queue!.definition.arn,
            ApproximateNumberOfMessages: String(visible),
            ApproximateNumberOfMessagesNotVisible: String(queue!.messages.length - visible),
            VisibilityTimeout: String(queue!.definition.visibilityTimeoutSeconds),
          },
        };
      }
    }
  }

  /** Sends as a service would (an EventBridge rule target, after its own authorisation). */
  send(url: string, body: string): Input {
    const queue = this.queues.get(url);
    if (!queue) throw new ServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
    const message: Message = { id: randomUUID(), body, md5: createHash('md5').update(body).digest('hex'), sentAt: Date.now(), receiveCount: 0, visibleAt: Date.now() };
    queue.messages.push(message);
    for (const listener of this.listeners) listener();
    return { MessageId: message.id, MD5OfMessageBody: message.md5 };
  }

  byArn(arn: string): QueueDefinition | undefined {
    return [...this.queues.values()].find((q) => q.definition.arn === arn)?.definition;
  }

  /** Called whenever a message arrives (the event source mappings poll at once instead of waiting). */
  onMessage(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private queue(input: Input) {
    const queue = this.queues.get(String(input['QueueUrl']));
    if (!queue) throw new ServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  private receive(queue: { definition: QueueDefinition; messages: Message[] }, max: number, visibility: unknown): Input[] {
    const now = Date.now();
    const timeout = (visibility === undefined ? queue.definition.visibilityTimeoutSeconds : Number(visibility)) * 1000;
    const out: Input[] = [];
    for (const message of [...queue.messages]) {
      if (out.length >= Math.min(Math.max(max, 1), 10)) break;
      if (message.visibleAt > now) continue;
      const redrive = queue.definition.redrive;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        queue.messages.splice(queue.messages.indexOf(message), 1);
        const dead = this.byArn(redrive.deadLetterArn);
        if (dead) this.send(dead.url, message.body);
        continue;
      }
      message.receiveCount++;
      message.visibleAt = now + timeout;
      message.receipt = randomUUID();
      out.push({
        MessageId: message.id,
        ReceiptHandle: message.receipt,
        MD5OfBody: message.md5,
        Body: message.body,
        Attributes: { ApproximateReceiveCount: String(message.receiveCount), SentTimestamp: String(message.sentAt) },
      });
    }
    return out;
  }

  private remove(queue: { messages: Message[] }, receipt: string): void {
    const index = queue.messages.findIndex((m) => m.receipt === receipt);
    if (index >= 0) queue.messages.splice(index, 1);
  }
}
