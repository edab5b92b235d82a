import { Duration } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { eventDefaults, eventEnvNames } from '../../functions/contract/events.ts';
import type { CredentialStorage } from './credential-storage.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { RegcredFunction } from './api-function.ts';

export interface CredentialEventsProps {
  readonly storage: CredentialStorage;
  /** EventBridge `source` of every event. @default 'regcred' */
  readonly source?: string;
}

/** The stream publisher's event source mapping: exported so tests pin the same numbers. */
export const publisherStream = {
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(1),
  /** A failing batch is retried this many times (halved each time), then its records go to the DLQ. */
  retryAttempts: 5,
  maxRecordAge: Duration.hours(6),
} as const;

// A batch of 100 changes is 10 PutEvents calls, each tried up to 3 times and each call bounded by
// the SDK timeouts (adapters/aws-clients.ts, ~4 s): a hung EventBridge ends in errors, not a timeout.
const publisherTimeoutSeconds = 150;

/**
 * Events out: a custom bus and the publisher that reads the table's stream (never the API handlers:
 * no dual writes), with partial batch failures, bisection, bounded retries and a dead-letter queue.
 */
export class CredentialEvents extends Construct {
  readonly bus: EventBus;
  readonly source: string;
  readonly publisher: RegcredFunction;
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: CredentialEventsProps) {
    super(scope, id);
    this.source = props.source ?? eventDefaults.source;
    if (this.source.startsWith('aws.')) throw new Error('an event source must not start with "aws."');
    this.bus = new EventBus(this, 'Bus', { description: 'regcred: credential change events' });
    this.deadLetters = new DeadLetterQueue(this, 'PublisherDeadLetters', { holds: 'table changes whose events could not be published' });
    this.publisher = new RegcredFunction(this, 'Publisher', {
      spec: { name: 'publish-events', entry: 'functions/publish-events.ts', description: 'regcred: table stream -> EventBridge', timeoutSeconds: publisherTimeoutSeconds },
      environment: { [eventEnvNames.busName]: this.bus.eventBusName, [eventEnvNames.source]: this.source },
      alsoOnAnyResource: { action: 'dynamodb:ListStreams', why: 'added by the DynamoDB event source, ListStreams has no resource-level permissions' },
    });
    this.publisher.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }));
    this.publisher.function.addEventSource(
      new DynamoEventSource(props.storage.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        ...publisherStream,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        // One batch per shard at a time keeps each credential's events in order.
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.deadLetters.queue),
      }),
    );
    this.publisher.acknowledgeNoAsyncInvocation(
      'Invoked only by its DynamoDB stream event source mapping, whose onFailure destination (PublisherDeadLetters) gets a description (shard, sequence numbers) of each batch that still fails after the retries.',
    );
  }
}
