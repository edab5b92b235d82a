// Deployed only (a chunk of its own, never loaded locally): sign in with the Cognito user pool's
// hosted page (authorization code + PKCE), trade the ID token for AWS credentials from the identity
// pool, and sign every API call with SigV4 as any other IAM principal would. Tokens and keys stay in
// memory: a reload signs in again through the hosted page's own session.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { OutgoingRequest, Signer } from './api.ts';
import type { ConsoleAuth } from './config.ts';

const verifierKey = 'regcred.pkce';

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function redirectToSignIn(auth: ConsoleAuth, redirectUri: string): Promise<never> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem(verifierKey, verifier);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const url = new URL('/oauth2/authorize', auth.signInUrl);
  url.search = new URLSearchParams({ response_type: 'code', client_id: auth.userPoolClientId, redirect_uri: redirectUri, scope: 'openid email', code_challenge_method: 'S256', code_challenge: challenge }).toString();
  location.assign(url);
  return new Promise<never>(() => undefined);
}

async function idToken(auth: ConsoleAuth): Promise<string> {
  const redirectUri = `${location.origin}/`;
  const code = new URLSearchParams(location.search).get('code');
  const verifier = sessionStorage.getItem(verifierKey);
  if (!code || !verifier) return redirectToSignIn(auth, redirectUri);
  sessionStorage.removeItem(verifierKey);
  history.replaceState(null, '', '/');
  const response = await fetch(new URL('/oauth2/token', auth.signInUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: auth.userPoolClientId, code, redirect_uri: redirectUri, code_verifier: verifier }),
  });
  if (!response.ok) return redirectToSignIn(auth, redirectUri);
  return ((await response.json()) as { id_token: string }).id_token;
}

async function cognitoIdentity<T>(region: string, action: string, body: unknown): Promise<T> {
  const response = await fetch(`https://cognito-identity.${region}.amazonaws.com/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${action}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Cognito ${action} failed (HTTP ${response.status})`);
  return (await response.json()) as T;
}

interface Credentials {
  AccessKeyId: string;
  SecretKey: string;
  SessionToken: string;
  Expiration: number;
}

/** Signs in (or redirects to sign in) and returns a signer for the API's requests. */
export async function signIn(auth: ConsoleAuth): Promise<Signer> {
  const token = await idToken(auth);
  const logins = { [`cognito-idp.${auth.region}.amazonaws.com/${auth.userPoolId}`]: token };
  const { IdentityId } = await cognitoIdentity<{ IdentityId: string }>(auth.region, 'GetId', { IdentityPoolId: auth.identityPoolId, Logins: logins });
  const { Credentials: c } = await cognitoIdentity<{ Credentials: Credentials }>(auth.region, 'GetCredentialsForIdentity', { IdentityId, Logins: logins });
  return sigV4Signer(auth.region, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken });
}

export function sigV4Signer(region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Signer {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  return async (request: OutgoingRequest) => {
    const { url } = request;
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...request.headers, host: url.host },
      ...(request.body !== undefined && { body: request.body }),
    });
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}
