import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { deployConfig } from './config.ts';
import { ConsoleHosting } from './constructs/console-hosting.ts';
import { CredentialStorage } from './constructs/credential-storage.ts';
import { CredentialsApi } from './constructs/credentials-api.ts';
import { ProjectGrants } from './constructs/project-grants.ts';

export interface RegcredStackProps extends StackProps {
  /** @default 'alias/regcred' */
  readonly keyAlias?: string;
}

/** The whole service: storage, key, functions, the IAM-authorised HTTP API and the configured grants. */
export class RegcredStack extends Stack {
  readonly storage: CredentialStorage;
  readonly api: CredentialsApi;
  readonly console: ConsoleHosting;

  constructor(scope: Construct, id: string, props: RegcredStackProps = {}) {
    super(scope, id, { description: 'regcred: a serverless vault for container-registry credentials', ...props });
    this.storage = new CredentialStorage(this, 'Storage', { keyAlias: props.keyAlias ?? 'alias/regcred' });
    const config = deployConfig(this.node);
    this.api = new CredentialsApi(this, 'Api', { storage: this.storage, throttling: config.throttling });
    new ProjectGrants(this, 'Grants', { api: this.api, grants: config.grants });
    this.console = new ConsoleHosting(this, 'Console', { api: this.api, grants: config.consoleGrants });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the regcred API (SigV4, service execute-api)' });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'KeyAlias', { value: this.storage.alias.aliasName });
    // Teardown needs the key id after the alias is gone (the key is retained).
    new CfnOutput(this, 'KeyId', { value: this.storage.key.keyId, description: 'The retained KMS key: schedule its deletion with this id' });
  }
}
