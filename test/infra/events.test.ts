// Template assertions for events out, events in and the IaC provider; and the RegistryCredential
// construct synthesised in another app.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNames } from '../../functions/contract/config.ts';
import { eventEnvNames } from '../../functions/contract/events.ts';
import { contextKeys } from '../../infra/config.ts';
import { createApp } from '../../infra/regcred-app.ts';
import { RegistryCredential } from '../../infra/index.ts';
import { RegcredStack } from '../../infra/regcred-stack.ts';
import { logicalId, policiesOf, resources, skipBundling, synthWithoutBundling, type Statement } from './synth.ts';

const { stack, template } = synthWithoutBundling();

/** A grants file whose stack grant is a bare stack name (neither an account nor a StackId pattern). */
function badStacksFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-stacks-'));
  writeFileSync(join(dir, 'grants.json'), JSON.stringify({ grants: [], stacks: [{ project: 'team-a', stack: 'team-a-app' }] }));
  return join(dir, 'grants.json');
}
const all = resources(template);
const ref = (construct: Parameters<typeof logicalId>[0]) => ({ Ref: logicalId(construct) });
const arnOf = (construct: Parameters<typeof logicalId>[0]) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const tableArn = arnOf(stack.storage.table);
const keyArn = arnOf(stack.storage.key);
const { events, reverification: rv, credentialProvider: provider } = stack;

/** The statements of a function's role other than its log group and X-Ray ones (pinned for every function in stack.test.ts). */
/** A role's statements without the shared logging and tracing actions (minimizePolicies may merge them with others). */
function ownStatements(fn: { role: Parameters<typeof policiesOf>[1] }): Statement[] {
  return policiesOf(template, fn.role).statements.flatMap((s) => {
    const actions = [s.Action].flat().filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));
    return actions.length === 0 ? [] : [{ ...s, Action: actions.length === 1 ? actions[0]! : actions }];
  });
}

describe('events out', () => {
  it('one custom bus; the table streams new and old images', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    expect(all[logicalId(stack.storage.table)]?.Properties['StreamSpecification']).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('the publisher reads the stream with partial batch failures, bisection, 5 retries, in order, and a DLQ on failure', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(events.publisher.function),
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.storage.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 6 * 3600,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: arnOf(events.deadLetters.queue) } },
    });
  });

  it('the publisher may PutEvents on its bus only, read the stream, and send failures to its DLQ; nothing on the table', () => {
    const statements = ownStatements(events.publisher);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'events:PutEvents', Resource: arnOf(events.bus) }));
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].sort(),
    );
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual([]);
    expect(all[logicalId(events.publisher.function)]?.Properties['Environment'].Variables).toMatchObject({
      [eventEnvNames.busName]: ref(events.bus),
      [eventEnvNames.source]: 'regcred',
    });
  });
});

describe('events in', () => {
  it('a daily schedule invokes the enqueuer, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Target: {
        Arn: arnOf(rv.enqueuer.function),
        DeadLetterConfig: { Arn: arnOf(rv.deadLetters.schedule.queue) },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      },
    });
  });

  it('the schedule is configurable', () => {
    const app = new App({ context: skipBundling });
    const custom = new RegcredStack(app, 'Custom', { reverifySchedule: ScheduleExpression.cron({ hour: '3', minute: '30' }), eventSource: 'com.example.regcred' });
    const t = Template.fromStack(custom);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 3 * * ? *)' });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['com.example.regcred'] }) });
  });

  it('the enqueuer: one Scan of the table and SendMessage to the verify queue (and its own DLQ), nothing else', () => {
    const statements = ownStatements(rv.enqueuer);
    const pairs = statements.flatMap((s) => [s.Action].flat().flatMap((action) => [s.Resource].flat().map((resource) => [action, resource])));
    expect(pairs).toEqual(expect.arrayContaining([['dynamodb:Scan', tableArn], ['sqs:SendMessage', arnOf(rv.queue)]]));
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect([...new Set(actions)]).toEqual(['dynamodb:Scan', 'sqs:SendMessage']);
    expect(all[logicalId(rv.enqueuer.function)]?.Properties['DeadLetterConfig']).toEqual({ TargetArn: arnOf(rv.deadLetters.schedule.queue) });
  });

  it('Credential Added without a status sends {project, id} to the verify queue, with a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(events.bus),
      EventPattern: { source: ['regcred'], 'detail-type': ['Credential Added'], detail: { data: { status: [{ exists: false }] } } },
      Targets: [
        Match.objectLike({
          Arn: arnOf(rv.queue),
          DeadLetterConfig: { Arn: arnOf(rv.deadLetters.addedRule.queue) },
          InputTransformer: {
            InputPathsMap: { 'detail-data-project': '$.detail.data.project', 'detail-data-credentialId': '$.detail.data.credentialId' },
            InputTemplate: '{"project":<detail-data-project>,"id":<detail-data-credentialId>}',
          },
        }),
      ],
    });
  });

  it('the verify queue redrives to its DLQ after 3 receives; its worker reports batch failures with bounded concurrency', () => {
    expect(all[logicalId(rv.queue)]?.Properties['RedrivePolicy']).toEqual({ deadLetterTargetArn: arnOf(rv.deadLetters.verify.queue), maxReceiveCount: 3 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(rv.worker.function),
      EventSourceArn: arnOf(rv.queue),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const worker = ownStatements(rv.worker).filter((s) => ![s.Action].flat().some((a) => a.startsWith('sqs:')));
    const verifyRoute = ownStatements(stack.api.functions['verify-credential']!);
    expect(worker).toEqual(verifyRoute);
  });

  it('every dead-letter queue is encrypted and has an alarm at depth 1', () => {
    const dlqs = [events.deadLetters, rv.deadLetters.verify, rv.deadLetters.schedule, rv.deadLetters.addedRule];
    template.resourceCountIs('AWS::SQS::Queue', dlqs.length + 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', dlqs.length);
    for (const dlq of dlqs) {
      expect(all[logicalId(dlq.queue)]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
      expect(all[logicalId(dlq.alarm)]?.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(dlq.queue), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
    }
  });
});

describe('the RegistryCredential provider', () => {
  it('onEvent: the add, update and delete statements, kms:Encrypt only; without stack grants no secret at all', () => {
    const statements = ownStatements(provider.onEvent);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect([...new Set(actions)].sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'kms:Encrypt'].sort());
    for (const s of statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')))) expect(s.Resource).toEqual(tableArn);
    for (const s of statements.filter((s) => s.Action === 'kms:Encrypt')) expect(s).toMatchObject({ Resource: keyArn, Condition: expect.anything() });
    expect(all[logicalId(provider.onEvent.function)]?.Properties['Environment'].Variables[envNames.stackGrants]).toBe('[]');
  });

  it("the grants file's stacks reach the function, and it may read only each granted project's secrets in the granted accounts", () => {
    const dir = mkdtempSync(join(tmpdir(), 'regcred-stacks-'));
    const file = join(dir, 'grants.json');
    const stacks = [
      { project: 'team-a', stack: 'arn:aws:cloudformation:*:111122223333:stack/team-a-*/*' },
      { project: 'team-a', stack: '111122223333' },
      { project: 'team-b', stack: '444455556666' },
    ];
    writeFileSync(file, JSON.stringify({ grants: [], stacks }));
    const { stack: granted } = createApp({ context: { ...skipBundling, [contextKeys.grantsFile]: file } });
    rmSync(dir, { recursive: true });
    const t = Template.fromStack(granted);
    const fn = resources(t)[logicalId(granted.credentialProvider.onEvent.function)]!;
    expect(JSON.parse(fn.Properties['Environment'].Variables[envNames.stackGrants])).toEqual(stacks);
    const secretArn = (account: string, project: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, `:${account}:secret:regcred/${project}/*`]],
    });
    const reads = policiesOf(t, granted.credentialProvider.onEvent.role).statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(reads.map((s) => s.Resource)).toEqual([[secretArn('111122223333', 'team-a'), secretArn('444455556666', 'team-b')]]);
    expect(() => createApp({ context: { ...skipBundling, [contextKeys.grantsFile]: badStacksFile() } })).toThrow(/stacks\[0\]\.stack/);
  });

  it('the framework function has its own role (no managed policy) that may only invoke onEvent', () => {
    const frameworkRole = provider.node.findChild('FrameworkRole');
    expect(all[logicalId(frameworkRole)]?.Properties['ManagedPolicyArns']).toBeUndefined();
    const invoke = ownStatements({ role: frameworkRole }).filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke.map((s) => s.Resource)).toEqual([[arnOf(provider.onEvent.function), { 'Fn::Join': ['', [arnOf(provider.onEvent.function), ':*']] }]]);
  });

  it('the service token is exported (regcred-credential-provider), under another name if asked', () => {
    template.hasOutput('CredentialProviderServiceToken', { Export: { Name: 'regcred-credential-provider' } });
    const app = new App({ context: skipBundling });
    const shared = new RegcredStack(app, 'Shared', { providerExportName: 'shared-regcred' });
    Template.fromStack(shared).hasOutput('CredentialProviderServiceToken', { Export: { Name: 'shared-regcred' } });
  });
});

describe('RegistryCredential in another app', () => {
  const app = new App();
  const team = new Stack(app, 'TeamApp');
  const secret = Secret.fromSecretNameV2(team, 'HubToken', 'regcred/team-app/docker-hub');
  const credential = new RegistryCredential(team, 'DockerHub', {
    project: 'team-app',
    server: 'https://index.docker.io/v1/',
    username: 'ci-bot',
    password: secret,
    passwordVersion: '3',
  });
  const t = Template.fromStack(team);

  it('declares the custom resource with the secret ARN (never a value) and the imported service token', () => {
    t.hasResource('Custom::RegcredRegistryCredential', {
      Properties: {
        ServiceToken: { 'Fn::ImportValue': 'regcred-credential-provider' },
        Project: 'team-app',
        Server: 'https://index.docker.io/v1/',
        Username: 'ci-bot',
        PasswordSecretArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        PasswordVersion: '3',
      },
      DeletionPolicy: 'Delete',
    });
    expect(JSON.stringify(t.toJSON())).not.toMatch(/resolve:secretsmanager|SecretString/);
    expect(team.resolve(credential.credentialId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DockerHub/), 'CredentialId'] });
    expect(team.resolve(credential.registry)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DockerHub/), 'Registry'] });
  });
});

