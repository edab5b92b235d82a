import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import { Key, type Alias } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { tableKeys, tableStreamView } from '../../functions/contract/table.ts';
import { keyAdministration } from './key-policy.ts';

export interface CredentialStorageProps {
  /** KMS alias for the password key, e.g. `alias/regcred`. */
  readonly keyAlias: string;
}

/** The credentials table and the key that encrypts each password. Both outlive the stack. */
export class CredentialStorage extends Construct {
  readonly table: Table;
  readonly key: Key;
  readonly alias: Alias;

  constructor(scope: Construct, id: string, props: CredentialStorageProps) {
    super(scope, id);
    // Passwords are already envelope-encrypted with `key` before they reach the table, so the table
    // keeps DynamoDB's default at-rest encryption and no role needs kms:Decrypt to read items.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableKeys.partition, type: AttributeType.STRING },
      sortKey: { name: tableKeys.sort, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Every change is published as an event from this stream (constructs/credential-events.ts).
      stream: StreamViewType[tableStreamView],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key = new Key(this, 'Key', {
      description: 'regcred: encrypts registry passwords (encryption context: project, credentialId)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Not the CDK default (the account may do kms:*): uses are added per role by allowKeyUse().
      policy: new PolicyDocument({ statements: [keyAdministration()] }),
    });
    this.alias = this.key.addAlias(props.keyAlias);
  }
}
