// The Secrets Manager secret source (the custom resource's way to its password secret), driven
// through the real SDK client, configured as in production plus an endpoint override, against a
// loopback peer speaking Secrets Manager's JSON protocol: what it asks for, and how it reports a
// missing secret, a refusal, a failing service and a binary secret without ever naming a value.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../functions/adapters/aws-clients.ts';
import { SecretsManagerSecretSource } from '../../functions/adapters/secrets-manager-secret-source.ts';
import { startAwsJsonPeer, type AwsJsonPeer } from '../support/aws-json-peer.ts';

const secretId = 'regcred/team-a/docker-hub';
const value = `sm-value-${crypto.randomUUID()}`;
let peer: AwsJsonPeer;
let source: SecretsManagerSecretSource;

beforeAll(async () => {
  peer = await startAwsJsonPeer('application/x-amz-json-1.1');
  const client = new SecretsManagerClient({
    ...clientConfig,
    endpoint: peer.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback' },
  });
  source = new SecretsManagerSecretSource(client);
});
afterAll(() => peer?.close());
beforeEach(() => void peer.requests.splice(0));

const found = { ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secretId}-AbCdEf`, Name: secretId, VersionId: crypto.randomUUID(), VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 };
const failure = (status: number, type: string, message: string) => ({ status, body: { __type: type, Message: message } });

describe('SecretsManagerSecretSource', () => {
  it('asks GetSecretValue for the secret id alone (the current version), signed, and returns SecretString as is', async () => {
    peer.answer = () => ({ body: { ...found, SecretString: value } });
    await expect(source.read(secretId)).resolves.toBe(value);
    expect(peer.requests).toHaveLength(1);
    const [request] = peer.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/', target: 'secretsmanager.GetSecretValue', body: { SecretId: secretId } });
    expect(Object.keys(request!.body)).toEqual(['SecretId']); // no VersionId or VersionStage: AWSCURRENT
    expect(request!.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request!.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, /);
  });

  it.each([
    ['a missing secret', failure(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."), 'ResourceNotFoundException', 1],
    ['a refusal', failure(400, 'AccessDeniedException', `User is not authorized; the value was ${value}`), 'AccessDeniedException', 1],
    ['a failing service, after the SDK retry', failure(500, 'InternalServiceError', 'boom'), 'InternalServiceError', clientConfig.maxAttempts],
  ])('reports %s with the secret id and the error name, never what the service said', async (_, answer, name, attempts) => {
    peer.answer = () => answer;
    const error = await source.read(secretId).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toBe(`Could not read secret ${secretId} (${name}); the provider may read only secrets named regcred/<project>/... that its grants allow.`);
    expect(error?.message).not.toContain(value);
    expect(peer.requests.map((r) => r.target)).toEqual(Array(attempts).fill('secretsmanager.GetSecretValue'));
  });

  it('refuses a binary secret (SecretBinary, no SecretString) without returning or naming its bytes', async () => {
    const bytes = Buffer.from(value).toString('base64');
    peer.answer = () => ({ body: { ...found, SecretBinary: bytes } });
    const error = await source.read(secretId).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toBe(`Secret ${secretId} has no string value (binary secrets are not supported).`);
    expect(error?.message).not.toContain(bytes);
    expect(peer.requests).toHaveLength(1);
  });

  it('returns an empty SecretString as the empty string, not as a missing value', async () => {
    peer.answer = () => ({ body: { ...found, SecretString: '' } });
    await expect(source.read(secretId)).resolves.toBe('');
  });
});
