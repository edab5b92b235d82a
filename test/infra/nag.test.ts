import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AccountRootPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { routeList } from '../../functions/contract/routes.ts';
import { contextKeys } from '../../infra/config.ts';
import { createApp, nagPacks } from '../../infra/regcred-app.ts';
import { appWithoutBundling, skipBundling } from './synth.ts';

/** Every finding of the packs the app registers: errors and warnings alike. */
function findings(scope: IConstruct) {
  return nagPacks().flatMap((pack) =>
    pack.validateScope(scope).violations.map((v) => ({
      pack: pack.name,
      rule: v.ruleName,
      severity: v.severity,
      resources: v.violatingResources.map((r) => r.constructPath),
    })),
  );
}

/** Every acknowledgement in the tree, as construct path, rule id and reason. */
function acknowledgements(scope: IConstruct) {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const { app, stack } = appWithoutBundling();

// The console's hosting (infra/constructs/console-hosting.ts): its bucket and distribution, and the
// CDK's BucketDeployment singleton that copies the build.
const deployment = 'Regcred/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB';
const corsSetter = 'Regcred/AWS679f53fac002430cb0da5b7982bd2287';
const consoleAcknowledgements = [
  ...['CFR1', 'CFR2', 'CFR3', 'CFR4'].map((rule) => `Regcred/Console/Distribution AwsSolutions-${rule}`),
  'Regcred/Console/Site AwsSolutions-S1',
  ...['AwsSolutions-L1', 'Serverless-LambdaDLQ', 'Serverless-LambdaLatestVersion', 'Serverless-LambdaTracing'].map((rule) => `${deployment} ${rule}`),
  `${deployment}/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
  ...[
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Resource::*',
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
    'Resource::<ConsoleSite26539DB4.Arn>/*',
  ].map((finding) => `${deployment}/ServiceRole/DefaultPolicy AwsSolutions-IAM5[${finding}]`),
  // The AwsCustomResource singleton that sets the API's CORS (a cycle if the Api resource set it).
  ...['Serverless-LambdaDLQ', 'Serverless-LambdaTracing'].map((rule) => `${corsSetter} ${rule}`),
  `${corsSetter}/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
];


describe('cdk-nag (AwsSolutions + Serverless)', () => {
  it('runs both packs on every synth of the app and fails it on a finding', () => {
    expect(nagPacks().map((p) => p.name).sort()).toEqual(['AwsSolutions', 'Serverless']);
    const broken = appWithoutBundling();
    new Table(broken.stack, 'Bare', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    new CfnFunction(broken.stack, 'Raw', { code: { zipFile: 'x' }, role: 'arn:aws:iam::111111111111:role/r', runtime: 'nodejs24.x', handler: 'index.handler' });
    expect(() => broken.app.synth()).toThrow(/AwsSolutions-DDB3[\s\S]*Serverless-|Serverless-[\s\S]*AwsSolutions-DDB3/);
  });

  it('has no unacknowledged finding, error or warning', () => {
    expect(findings(app)).toEqual([]);
  });

  it('acknowledges only one finding per construct, each with a reason, on exactly these constructs', () => {
    const acks = acknowledgements(app);
    expect(acks.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      routeList
        .flatMap((r) => [
          `Regcred/Api/${r.name}/Function Serverless-LambdaDLQ`,
          `Regcred/Api/${r.name}/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
        ])
        .concat(
          ['Events/Publisher', 'Reverification/Worker', 'CredentialProvider/OnEvent'].map((f) => `Regcred/${f}/Function Serverless-LambdaDLQ`),
          ['Events/Publisher', 'Reverification/Worker', 'Reverification/Enqueuer', 'CredentialProvider/OnEvent'].map(
            (f) => `Regcred/${f}/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
          ),
          ['Events/PublisherDeadLetters', 'Reverification/VerifyDeadLetters', 'Reverification/ScheduleDeadLetters', 'Reverification/AddedRuleDeadLetters'].flatMap(
            (q) => [`Regcred/${q}/Queue AwsSolutions-SQS3`, `Regcred/${q}/Queue Serverless-SQSRedrivePolicy`],
          ),
          [
            'Regcred/Reverification/Worker/Function/SqsEventSource:RegcredReverificationVerifyQueue65720CE2 Serverless-LambdaEventSourceMappingDestination',
            'Regcred/Reverification/ScheduleRole/DefaultPolicy AwsSolutions-IAM5[Resource::<ReverificationEnqueuerFunction662A06EB.Arn>:*]',
            'Regcred/CredentialProvider/FrameworkRole/DefaultPolicy AwsSolutions-IAM5[Resource::<CredentialProviderOnEventFunction62DD209C.Arn>:*]',
            ...['Serverless-LambdaDefaultMemorySize', 'Serverless-LambdaDLQ', 'Serverless-LambdaTracing'].map((id) => `Regcred/CredentialProvider/Provider/framework-onEvent ${id}`),
            'Regcred/Alarms/Topic AwsSolutions-SNS2',
          ],
        )
        .concat(consoleAcknowledgements)
        .sort(),
    );
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(60);
  });

  it('the IAM5 acknowledgement covers only the X-Ray statement: no other statement uses Resource *', () => {
    for (const { name } of routeList) {
      const policy = stack.api.functions[name]!.role.node.findChild('DefaultPolicy');
      const doc = stack.resolve((policy.node.defaultChild as unknown as { policyDocument: unknown }).policyDocument);
      const starred = (doc.Statement as { Action: string[]; Resource: unknown }[]).filter((s) => s.Resource === '*');
      expect(starred.map((s) => s.Action)).toEqual([['xray:PutTelemetryRecords', 'xray:PutTraceSegments']]);
    }
    const workers = [stack.events.publisher, stack.reverification.worker, stack.reverification.enqueuer, stack.credentialProvider.onEvent];
    const starredOf = workers.map((fn) => {
      const doc = stack.resolve((fn.role.node.findChild('DefaultPolicy').node.defaultChild as unknown as { policyDocument: unknown }).policyDocument);
      return (doc.Statement as { Action: string[]; Resource: unknown }[]).filter((s) => s.Resource === '*').map((s) => s.Action);
    });
    // minimizePolicies merges the publisher's ListStreams (which takes no narrower resource) into the X-Ray statement.
    const xray = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    expect(starredOf).toEqual([[['dynamodb:ListStreams', ...xray]], [xray], [xray], [xray]]);
  });

  it('a project grant stays nag-clean: its expected wildcard findings are acknowledged on the grantee only', () => {
    const granted = appWithoutBundling();
    const team = new Role(granted.stack, 'TeamA', { assumedBy: new AccountRootPrincipal() });
    granted.stack.api.grantProjectAccess(team, 'team-a', ['read', 'write']);
    const imported = Role.fromRoleArn(granted.stack, 'TeamB', 'arn:aws:iam::123456789012:role/team-b-ci', { mutable: true });
    granted.stack.api.grantProjectAccess(imported, 'team-b', ['write']);
    expect(findings(granted.app)).toEqual([]);
    const teamBAcks = acknowledgements(granted.app).filter((a) => a.path.startsWith('Regcred/TeamB'));
    expect(acknowledgedRoutes(teamBAcks)).toEqual(wildcardWriteRoutes('team-b'));
    const teamAcks = acknowledgements(granted.app).filter((a) => a.path.startsWith('Regcred/TeamA'));
    expect(acknowledgedRoutes(teamAcks)).toEqual(wildcardWriteRoutes('team-a'));
  });

  it('grants from the grants file stay nag-clean, for a role of this account and of another', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'regcred-nag-')), 'grants.json');
    const principal = (account: string) => `arn:aws:iam::${account}:role/team-a`;
    const grants = ['123456789012', '444455556666'].map((account) => ({ project: 'team-a', capabilities: ['read', 'write'], principal: principal(account) }));
    const stacks = [{ project: 'team-a', stack: '444455556666' }, { project: 'team-b', stack: 'arn:aws:cloudformation:*:123456789012:stack/team-b-*/*' }];
    writeFileSync(file, JSON.stringify({ grants, stacks }));
    const configured = createApp({ context: { ...skipBundling, [contextKeys.grantsFile]: file } });
    expect(findings(configured.app)).toEqual([]);
    // The provider's secret reads: one acknowledged wildcard per granted project and account.
    expect(acknowledgements(configured.app).filter((a) => a.id.includes(':secret:')).map((a) => a.id)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:123456789012:secret:regcred/team-b/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:444455556666:secret:regcred/team-a/*]',
    ]);
    const grantAcks = acknowledgements(configured.app).filter((a) => a.path.startsWith('Regcred/Grants/'));
    expect(grantAcks).toHaveLength(4 * wildcardWriteRoutes('team-a').length); // two principals, each acknowledged twice (the same counts as with one route)
    expect([...new Set(acknowledgedRoutes(grantAcks))]).toEqual(wildcardWriteRoutes('team-a'));
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('does report findings, errors and warnings, when there are some (control)', () => {
    const control = new App({ context: skipBundling });
    const scope = new Stack(control, 'Control');
    new Table(scope, 'Bare', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const role = new Role(scope, 'Wide', { assumedBy: new AccountRootPrincipal() });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    new CfnLogGroup(scope, 'Forever');
    const found = findings(control);
    expect(found.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-DDB3', 'AwsSolutions-IAM5[Action::s3:*]', 'Serverless-CloudWatchLogGroupRetentionPeriod']),
    );
    expect(found.some((f) => f.severity === 'warning')).toBe(true);
  });
});

/** The write routes whose granted ARN needs a `*` (an {id} in the path): the only wildcard findings a grant may have. */
function wildcardWriteRoutes(project: string): string[] {
  return routeList
    .filter((r) => r.capability === 'write' && r.path.includes('{id}'))
    .map((r) => `${r.method}${r.path.replace('{project}', project).replace(/\{\w+\}/g, '*')}`)
    .sort();
}

/** `METHOD/path` of each acknowledged IAM5 finding on an execute-api ARN. */
function acknowledgedRoutes(acks: readonly { id: string }[]): string[] {
  return acks.map((a) => /^AwsSolutions-IAM5\[Resource::arn:.*:execute-api:.*\/\$default\/([A-Z]+\/.*)\]$/.exec(a.id)?.[1] ?? a.id).sort();
}
