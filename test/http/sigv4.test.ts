// SigV4 on `npm start` with an independent signer: curl's own --aws-sigv4 (not the AWS SDK's signer
// the CLI and the local server share), as the README shows it for the deployed API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { checkedApiUrl } from '../support/checked-proxy.ts';
import { uniqueProject } from '../support/handlers.ts';
import { trackSecret } from '../support/secret-audit.ts';

const { region, apiUrl } = inject('localStack');
// curl signs for npm start's own host (the signature covers Host, which npm start checks) but connects
// to the checking proxy (--connect-to), which forwards that Host; every answer is checked against OpenAPI.
const stackAddress = new URL(apiUrl);
const proxyAddress = new URL(await checkedApiUrl(apiUrl));
const connectTo = `${stackAddress.hostname}:${stackAddress.port}:${proxyAddress.hostname}:${proxyAddress.port}`;
const run = promisify(execFile);

/** curl signing for execute-api in `signingRegion` as `user` (access key:secret); returns the status and body. */
async function curl(user: string, args: string[], signingRegion = region): Promise<{ status: number; body: unknown }> {
  const { stdout } = await run('curl', ['-s', '--connect-to', connectTo, '-w', '\n%{http_code}', '--aws-sigv4', `aws:amz:${signingRegion}:execute-api`, '--user', user, ...args]);
  const lines = stdout.split('\n');
  return { status: Number(lines.pop()), body: JSON.parse(lines.join('\n')) };
}

describe('curl --aws-sigv4 against npm start', () => {
  const local = 'regcredlocal:regcredlocal';

  it('adds and lists when signed with the local credentials', async () => {
    const url = `${apiUrl}/projects/${uniqueProject('curl')}/docker-credentials`;
    const body = JSON.stringify({ server: 'quay.io', password: trackSecret(`curl-${crypto.randomUUID()}`) });
    const added = await curl(local, ['-X', 'POST', url, '-H', 'content-type: application/json', '--data-binary', body]);
    expect(added).toMatchObject({ status: 201, body: { registry: 'quay.io' } });
    const listed = await curl(local, [`${url}?limit=5`]);
    expect(listed).toEqual({ status: 200, body: { items: [added.body], nextToken: null } });
  });

  it('is refused 403 with a wrong secret, an unknown key or another region', async () => {
    const url = `${apiUrl}/projects/${uniqueProject('curl')}/docker-credentials`;
    expect(await curl('regcredlocal:wrong', [url])).toEqual({
      status: 403,
      body: { message: expect.stringMatching(/^The request signature we calculated does not match the signature you provided\./) },
    });
    expect(await curl('AKIDEXAMPLE:regcredlocal', [url])).toEqual({ status: 403, body: { message: 'The security token included in the request is invalid.' } });
    expect(await curl(local, [url], 'eu-west-1')).toEqual({ status: 403, body: { message: "Credential should be scoped to a valid region, not 'eu-west-1'." } });
  });
});
