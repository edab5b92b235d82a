import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** What lands here, for the alarm's description. */
  readonly holds: string;
}

/** An encrypted SQS dead-letter queue kept 14 days, and an alarm as soon as anything is in it. */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.alarm = new Alarm(this, 'Depth', {
      alarmDescription: `regcred: ${props.holds} landed in a dead-letter queue`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const why = `This queue is itself a dead-letter queue (${props.holds}), watched by the alarm next to it; a DLQ of a DLQ would only move the problem.`;
    Validations.of(this.queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: why }, { id: 'Serverless-SQSRedrivePolicy', reason: why });
  }
}
