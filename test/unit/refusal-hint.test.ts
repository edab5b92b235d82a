// The CLI's reading of API Gateway's 403 messages (cli/client.ts): only an IAM denial is blamed on
// grants. The messages are API Gateway's (and the local stack's, test/cli/regcred.test.ts).
import { describe, expect, it } from 'vitest';
import { refusalHint } from '../../cli/client.ts';

describe('refusalHint', () => {
  it('an IAM denial names the missing grant: an HTTP API\'s plain Forbidden, or the form naming the caller', () => {
    expect(refusalHint('Forbidden')).toMatch(/needs execute-api:Invoke .* grant/);
    const denied = 'User: arn:aws:sts::000000000000:assumed-role/ci-reader/s is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:abc/$default/GET/projects/b/docker-credentials';
    expect(refusalHint(denied)).toMatch(/needs execute-api:Invoke .* grant/);
  });

  it.each([
    ['The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.', /signature is wrong/],
    ["Credential should be scoped to a valid region, not 'eu-west-1'. ", /another region/],
    ['The security token included in the request is invalid.', /not valid here/],
    ['The security token included in the request is expired', /not valid here/],
    ['Signature expired: 20261204T100000Z is now earlier than 20261204T101500Z (20261204T102000Z - 5 min.)', /clock/],
    ['Missing Authentication Token', /not signed/],
  ])('%s: not blamed on grants', (message, hint) => {
    expect(refusalHint(message)).toMatch(hint);
    expect(refusalHint(message)).not.toMatch(/grant/);
  });

  it('an unknown 403 gets no guess', () => {
    expect(refusalHint('Access denied by a proxy')).toBeUndefined();
  });
});
