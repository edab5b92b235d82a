import { Validations } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';
import type { AlarmSubscription } from '../config.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';

export interface AlarmNotificationsProps {
  readonly subscriptions: readonly AlarmSubscription[];
}

const subscriptionFor = {
  email: (endpoint: string) => new EmailSubscription(endpoint),
  https: (endpoint: string) => new UrlSubscription(endpoint),
  sms: (endpoint: string) => new SmsSubscription(endpoint),
} satisfies Record<AlarmSubscription['protocol'], (endpoint: string) => unknown>;

/** One SNS topic that every alarm of the stack notifies, subscribed as the deploy config says. */
export class AlarmNotifications extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmNotificationsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'regcred alarms', enforceSSL: true });
    for (const { protocol, endpoint } of props.subscriptions) {
      const subscription = this.topic.addSubscription(subscriptionFor[protocol](endpoint));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'An undelivered alarm notification leaves the alarm in ALARM in CloudWatch; a queue for lost notifications would need an alarm of its own.',
      });
    }
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: "Carries only CloudWatch alarm state changes (a queue's name and depth, no credential); CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a key of its own would cost more than the messages are worth.",
    });
  }

  /** Makes every dead-letter queue's alarm under `scope` notify the topic, whichever construct made it. */
  notifyFrom(scope: IConstruct): void {
    for (const dlq of scope.node.findAll().filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue)) dlq.alarm.addAlarmAction(new SnsAction(this.topic));
  }
}
