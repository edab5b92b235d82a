// Secrets Manager, locally, for the RegistryCredential provider's GetSecretValue: secrets live in
// REGCRED_HOME/secrets.json (0600, like the local key material), each with its tags, so the
// provider's policy is evaluated on the secret's ARN and its secretsmanager:ResourceTag/* keys.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { NeededPermission } from '../iam/gate.ts';
import { ServiceError, type Input, type LocalService } from './server.ts';

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  value: string;
  versionId: string;
  tags: Record<string, string>;
  readonly createdAt: number;
}

const operations = ['CreateSecret', 'GetSecretValue', 'PutSecretValue', 'DescribeSecret', 'DeleteSecret', 'TagResource'];

export class LocalSecrets implements LocalService {
  readonly targetPrefix = 'secretsmanager';
  readonly signingName = 'secretsmanager';
  readonly contentType = 'application/x-amz-json-1.1';
  readonly maxRequestBytes = 128 * 1024;
  private readonly file: string;
  private readonly region: string;
  private readonly account: string;
  private readonly secrets: Record<string, StoredSecret>;

  constructor(file: string, region: string, account: string) {
    this.file = file;
    this.region = region;
    this.account = account;
    this.secrets = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, StoredSecret>) : {};
  }

  has = (operation: string) => operations.includes(operation);

  permissions(operation: string, input: Input): NeededPermission[] {
    if (operation === 'CreateSecret') {
      const name = String(input['Name'] ?? '');
      const tags = Object.fromEntries(((input['Tags'] ?? []) as Input[]).flatMap((t) => [[`aws:RequestTag/${t['Key']}`, String(t['Value'])]]));
      return [{ action: 'secretsmanager:CreateSecret', resource: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-??????`, context: { 'secretsmanager:Name': name, ...tags } }];
    }
    const secret = this.find(input['SecretId']);
    const context: Record<string, string | string[]> = { 'secretsmanager:SecretId': secret.arn };
    for (const [key, value] of Object.entries(secret.tags)) {
      context[`secretsmanager:ResourceTag/${key}`] = value;
      context[`aws:ResourceTag/${key}`] = value;
    }
    return [{ action: `secretsmanager:${operation}`, resource: secret.arn, context }];
  }

  run(operation: string, input: Input): Input {
    switch (operation) {
      case 'CreateSecret': {
        const name = String(input['Name'] ?? '');
        if (!/^[\w/+=.@-]{1,512}$/.test(name)) throw new ServiceError('ValidationException', 'Invalid name');
        if (Object.values(this.secrets).some((s) => s.name === name)) throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
        const arn = `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomBytes(6).toString('base64url').slice(0, 6)}`;
        const tags = Object.fromEntries(((input['Tags'] ?? []) as Input[]).map((t) => [String(t['Key']), String(t['Value'])]));
        this.secrets[arn] = { arn, name, value: String(input['SecretString'] ?? ''), versionId: randomUUID(), tags, createdAt: Date.now() };
        this.save();
        return { ARN: arn, Name: name, VersionId: this.secrets[arn]!.versionId };
      }
      case 'GetSecretValue': {
        const secret = this.find(input['SecretId']);
        return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId, SecretString: secret.value, VersionStages: ['AWSCURRENT'], CreatedDate: secret.createdAt / 1000 };
      }
      case 'PutSecretValue': {
        const secret = this.find(input['SecretId']);
        secret.value = String(input['SecretString'] ?? '');
        secret.versionId = randomUUID();
        this.save();
        return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId, VersionStages: ['AWSCURRENT'] };
      }
      case 'DescribeSecret': {
        const secret = this.find(input['SecretId']);
        return { ARN: secret.arn, Name: secret.name, Tags: Object.entries(secret.tags).map(([Key, Value]) => ({ Key, Value })) };
      }
      case 'TagResource': {
        const secret = this.find(input['SecretId']);
        for (const t of (input['Tags'] ?? []) as Input[]) secret.tags[String(t['Key'])] = String(t['Value']);
        this.save();
        return {};
      }
      default: {
        const secret = this.find(input['SecretId']);
        delete this.secrets[secret.arn];
        this.save();
        return { ARN: secret.arn, Name: secret.name, DeletionDate: Date.now() / 1000 };
      }
    }
  }

  private find(id: unknown): StoredSecret {
    const reference = String(id ?? '');
    const secret = Object.hasOwn(this.secrets, reference) ? this.secrets[reference] : Object.values(this.secrets).find((s) => s.name === reference || s.arn.startsWith(`${reference}-`));
    if (!secret) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify(this.secrets), { mode: 0o600 });
    chmodSync(this.file, 0o600);
  }
}
