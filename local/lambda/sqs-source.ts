// `npm start`'s event source mapping for a queue: receives with the function's role (as Lambda's
// poller does, so the role needs sqs:ReceiveMessage and sqs:DeleteMessage), invokes the function with
// an SQS event, and deletes what succeeded; a failed item (ReportBatchItemFailures) or a failed
// invocation stays in the queue until its visibility timeout, and the redrive policy moves it on.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LocalEventSourceMapping } from '../template/world.ts';
import type { LocalFunctionRuntime } from './runtime.ts';

export interface SqsSourceOptions {
  readonly mapping: LocalEventSourceMapping;
  readonly queueUrl: string;
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly fn: LocalFunctionRuntime;
  readonly onMessage: (listener: () => void) => () => void;
  readonly log: (line: string) => void;
}

const idlePollMs = 1000;

export function startSqsSource(options: SqsSourceOptions): { stop(): Promise<void> } {
  const sqs = new SQSClient({ endpoint: options.endpoint, region: options.region, credentials: options.credentials, maxAttempts: 1 });
  let stopping = false;
  let wake: (() => void) | undefined;
  const unsubscribe = options.onMessage(() => wake?.());

  const pollOnce = async (): Promise<number> => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: Math.min(options.mapping.batchSize, 10) }));
    if (Messages.length === 0) return 0;
    const event: SQSEvent = {
      Records: Messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: (m.Attributes ?? {}) as unknown as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: options.mapping.sourceArn,
        awsRegion: options.region,
      })),
    };
    let failed: Set<string>;
    try {
      const answer = (await options.fn.invoke(event)) as SQSBatchResponse | undefined;
      failed = new Set(options.mapping.reportBatchItemFailures ? (answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : []);
    } catch (error) {
      options.log(`regcred local: ${options.fn.fn.name} failed on a batch of ${Messages.length}: ${(error as Error).message}`);
      return Messages.length;
    }
    const done = Messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    return Messages.length;
  };

  const loop = (async () => {
    while (!stopping) {
      let received = 0;
      try {
        received = await pollOnce();
      } catch (error) {
        options.log(`regcred local: polling ${options.queueUrl} for ${options.fn.fn.name} failed: ${(error as Error).message}`);
      }
      if (received === 0 && !stopping) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, idlePollMs);
        });
        wake = undefined;
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      wake?.();
      unsubscribe();
      await loop;
      sqs.destroy();
    },
  };
}
