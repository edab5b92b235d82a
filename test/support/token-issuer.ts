// A token service for docker-registry's `auth: token` (distribution token spec), run by the test on
// 127.0.0.1: Basic auth with one user, RS256 JWTs whose `x5c` header chains to the test CA that the
// registry's `rootcertbundle` trusts, `aud` = the service.
import { createSign, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Leaf } from './test-pki.ts';

export interface TokenIssuer {
  /** The realm URL the registry sends clients to. */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** Token requests seen, with their query (never the Authorization header). */
  readonly requests: URLSearchParams[];
  stop(): Promise<void>;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function signJwt(claims: Record<string, unknown>, signer: Leaf): string {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [signer.derBase64] }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(signer.keyPem);
  return `${header}.${payload}.${base64url(signature)}`;
}

export async function startTokenIssuer(options: { username: string; password: string; signer: Leaf; service?: string }): Promise<TokenIssuer> {
  const service = options.service ?? 'regcred-test-registry';
  const issuer = 'regcred-test-issuer';
  const requests: URLSearchParams[] = [];
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.searchParams);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="regcred-test-issuer"' });
      return res.end('{"details":"incorrect username or password"}');
    }
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      { iss: issuer, sub: options.username, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access: [] },
      options.signer,
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
