// SigV4 for the deployed API (IAM-authorised API Gateway): the AWS SDK's own signer and
// credential chain, service execute-api.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { OutgoingRequest } from '../common/outgoing-request.ts';

export const signingService = 'execute-api';

export interface SigningOptions {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly signingDate?: Date;
}

/** Returns the headers to send: the originals plus host, x-amz-date, authorization (and the session token). */
export async function signRequest(request: OutgoingRequest, options: SigningOptions): Promise<Record<string, string>> {
  const { url } = request;
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const unsigned = new HttpRequest({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port && { port: Number(url.port) }),
    path: url.pathname,
    query,
    headers: { ...request.headers, host: url.host },
    ...(request.body !== undefined && { body: request.body }),
  });
  const signer = new SignatureV4({
    service: signingService,
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(unsigned, options.signingDate ? { signingDate: options.signingDate } : {});
  return signed.headers;
}

/** The standard AWS chain: environment, SSO, shared config and credentials files, web identity, ECS, EC2. */
export async function defaultCredentials(): Promise<AwsCredentialIdentityProvider> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain();
}
