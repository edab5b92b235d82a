import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envNames } from '../../functions/contract/config.ts';
import { eventDetailTypes, eventEnvNames } from '../../functions/contract/events.ts';
import { routes } from '../../functions/contract/routes.ts';
import { RegcredFunction } from './api-function.ts';
import type { CredentialStorage } from './credential-storage.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { routePermissions } from './route-permissions.ts';

export interface ReverificationProps {
  readonly storage: CredentialStorage;
  readonly bus: IEventBus;
  readonly source: string;
  /** When every credential is checked again. @default every day */
  readonly schedule?: ScheduleExpression;
}

/** The verify worker's queue settings: exported so tests pin the same numbers. */
export const verifyQueueSettings = {
  /** Six times the worker's timeout, as Lambda advises for SQS sources (room for its retries). */
  visibilityTimeout: Duration.minutes(6),
  maxReceiveCount: 3,
  batchSize: 10,
  /** At most this many worker invocations at once, each checking up to 4 registries at a time. */
  maxConcurrency: 2,
  /** 10 messages, 4 checks at a time, each up to ~20 s (claim, Decrypt, registry, record: routes.ts). */
  workerTimeoutSeconds: 60,
} as const;

/**
 * Events in: a schedule that enqueues a check of every credential, a `Credential Added` rule that
 * enqueues one for an add that did not check, and the queue's worker that runs verify. Results are
 * stored, so failures reach the bus as `Credential Verification Failed` through the stream.
 */
export class Reverification extends Construct {
  readonly queue: Queue;
  readonly worker: RegcredFunction;
  readonly enqueuer: RegcredFunction;
  readonly schedule: Schedule;
  readonly addedRule: Rule;
  readonly deadLetters: Record<'verify' | 'schedule' | 'addedRule', DeadLetterQueue>;

  constructor(scope: Construct, id: string, props: ReverificationProps) {
    super(scope, id);
    const { table, key } = props.storage;
    this.deadLetters = {
      verify: new DeadLetterQueue(this, 'VerifyDeadLetters', { holds: `verify requests that failed ${verifyQueueSettings.maxReceiveCount} times` }),
      schedule: new DeadLetterQueue(this, 'ScheduleDeadLetters', { holds: 'scheduled re-verification runs that failed' }),
      addedRule: new DeadLetterQueue(this, 'AddedRuleDeadLetters', { holds: 'Credential Added events the rule could not deliver' }),
    };
    this.queue = new Queue(this, 'VerifyQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: verifyQueueSettings.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetters.verify.queue, maxReceiveCount: verifyQueueSettings.maxReceiveCount },
    });

    this.worker = new RegcredFunction(this, 'Worker', {
      spec: { name: 'verify-queued', entry: 'functions/verify-queued.ts', description: 'regcred: verify queued credentials', timeoutSeconds: verifyQueueSettings.workerTimeoutSeconds },
      environment: { [envNames.tableName]: table.tableName, [envNames.kmsKeyId]: key.keyArn },
    });
    // Exactly what the verify route may do: claim and record a check, decrypt the login.
    for (const statement of routePermissions(routes.verifyCredential.name, table, key)) this.worker.role.addToPrincipalPolicy(statement);
    this.worker.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: verifyQueueSettings.batchSize,
        maxConcurrency: verifyQueueSettings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    const mapping = this.worker.function.node.children.find((c) => c.node.id.startsWith('SqsEventSource'));
    if (mapping) {
      Validations.of(mapping).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason: 'SQS event source mappings take no on-failure destination: the queue redrive policy moves a message that failed 3 receives to VerifyDeadLetters.',
      });
    }
    this.worker.acknowledgeNoAsyncInvocation(
      'Invoked only by its SQS event source mapping; a message that keeps failing moves to VerifyDeadLetters through the queue redrive policy.',
    );

    this.enqueuer = new RegcredFunction(this, 'Enqueuer', {
      spec: { name: 'enqueue-reverification', entry: 'functions/enqueue-reverification.ts', description: 'regcred: enqueue a check of every credential', timeoutSeconds: 300 },
      environment: { [envNames.tableName]: table.tableName, [eventEnvNames.verifyQueueUrl]: this.queue.queueUrl },
      deadLetterQueue: this.deadLetters.schedule.queue,
    });
    // One paginated Scan of the keys (a filter drops the registry guards); never one read per project.
    this.enqueuer.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }));
    this.enqueuer.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));

    const scheduleRole = new Role(this, 'ScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'regcred: the re-verify schedule invokes the enqueuer',
    });
    this.schedule = new Schedule(this, 'Daily', {
      description: 'regcred: re-verify every credential',
      schedule: props.schedule ?? ScheduleExpression.rate(Duration.days(1)),
      target: new LambdaInvoke(this.enqueuer.function, {
        role: scheduleRole,
        deadLetterQueue: this.deadLetters.schedule.queue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });

    Validations.of(scheduleRole.node.findChild('DefaultPolicy')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.enqueuer.function.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: 'lambda:InvokeFunction on the enqueuer and its versions (ARN:*), as LambdaInvoke grants it; the role can invoke nothing else.',
    });

    this.addedRule = new Rule(this, 'VerifyNewCredentials', {
      description: 'regcred: verify a credential whose add did not (no status yet)',
      eventBus: props.bus,
      eventPattern: {
        source: [props.source],
        detailType: [eventDetailTypes.added],
        detail: { data: { status: [{ exists: false }] } },
      },
      targets: [
        new SqsQueue(this.queue, {
          message: RuleTargetInput.fromObject({ project: EventField.fromPath('$.detail.data.project'), id: EventField.fromPath('$.detail.data.credentialId') }),
          deadLetterQueue: this.deadLetters.addedRule.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
