import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { deployConfig } from './config.ts';
import { AlarmNotifications } from './constructs/alarm-notifications.ts';
import { ConsoleHosting } from './constructs/console-hosting.ts';
import { CredentialEvents } from './constructs/credential-events.ts';
import { CredentialProvider } from './constructs/credential-provider.ts';
import { CredentialStorage } from './constructs/credential-storage.ts';
import { CredentialsApi } from './constructs/credentials-api.ts';
import { allowKeyUse, keyUsersIn } from './constructs/key-policy.ts';
import { ProjectGrants } from './constructs/project-grants.ts';
import { Reverification } from './constructs/reverification.ts';
import { defaultProviderExportName } from './registry-credential.ts';

export interface RegcredStackProps extends StackProps {
  /** @default 'alias/regcred' */
  readonly keyAlias?: string;
  /** EventBridge `source` of the credential events. @default 'regcred' */
  readonly eventSource?: string;
  /** When every credential is verified again. @default every day */
  readonly reverifySchedule?: ScheduleExpression;
  /** Export name of the RegistryCredential provider's service token. @default 'regcred-credential-provider' */
  readonly providerExportName?: string;
}

/** The whole service: storage, key, functions, the IAM-authorised HTTP API, the configured grants, events and the IaC provider. */
export class RegcredStack extends Stack {
  readonly storage: CredentialStorage;
  readonly api: CredentialsApi;
  readonly events: CredentialEvents;
  readonly reverification: Reverification;
  readonly credentialProvider: CredentialProvider;
  readonly console: ConsoleHosting;
  readonly alarms: AlarmNotifications;

  constructor(scope: Construct, id: string, props: RegcredStackProps = {}) {
    super(scope, id, { description: 'regcred: a serverless vault for container-registry credentials', ...props });
    this.storage = new CredentialStorage(this, 'Storage', { keyAlias: props.keyAlias ?? 'alias/regcred' });
    const config = deployConfig(this.node);
    this.api = new CredentialsApi(this, 'Api', { storage: this.storage, throttling: config.throttling, auditLogRetention: config.auditLogRetention });
    new ProjectGrants(this, 'Grants', { api: this.api, grants: config.grants });
    this.events = new CredentialEvents(this, 'Events', { storage: this.storage, ...(props.eventSource && { source: props.eventSource }) });
    this.reverification = new Reverification(this, 'Reverification', {
      storage: this.storage,
      bus: this.events.bus,
      source: this.events.source,
      ...(props.reverifySchedule && { schedule: props.reverifySchedule }),
    });
    this.credentialProvider = new CredentialProvider(this, 'CredentialProvider', {
      storage: this.storage,
      stackGrants: config.stackGrants,
      auditLogRetention: config.auditLogRetention,
    });
    this.console = new ConsoleHosting(this, 'Console', { api: this.api, grants: config.consoleGrants });
    // Last: the key policy names every role of the stack that uses the key, whichever construct made it.
    allowKeyUse(this.storage.key, keyUsersIn(this));
    this.alarms = new AlarmNotifications(this, 'Alarms', { subscriptions: config.alarmSubscriptions });
    this.alarms.notifyFrom(this);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the regcred API (SigV4, service execute-api)' });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'KeyAlias', { value: this.storage.alias.aliasName });
    // Teardown needs the key id after the alias is gone (the key is retained).
    new CfnOutput(this, 'KeyId', { value: this.storage.key.keyId, description: 'The retained KMS key: schedule its deletion with this id' });
    new CfnOutput(this, 'UserPoolId', { value: this.console.userPool.userPoolId, description: 'The console users\' Cognito user pool (aws cognito-idp admin-create-user --user-pool-id ...)' });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: 'The regcred web console (sign in with a user of the UserPoolId pool)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'SNS topic the dead-letter alarms notify (subscriptions: context regcred:alarmSubscriptions)' });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName, description: `Credential events (source ${this.events.source})` });
    new CfnOutput(this, 'CredentialProviderServiceToken', {
      value: this.credentialProvider.serviceToken,
      description: 'serviceToken for RegistryCredential (infra/registry-credential.ts) in other stacks',
      exportName: props.providerExportName ?? defaultProviderExportName,
    });
  }
}
