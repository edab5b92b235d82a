import { credentialParams } from '../../contract/path-params.ts';
import { routes } from '../../contract/routes.ts';
import { verifyCredential, type VerifyCredentialDeps } from '../../core/verify-credential.ts';
import { apiHandler, parse } from '../api-handler.ts';
import { json } from '../responses.ts';

export function verifyCredentialHandler(deps: VerifyCredentialDeps) {
  return apiHandler(routes.verifyCredential, async (event) => {
    const outcome = await verifyCredential(deps, parse(credentialParams, event.pathParameters));
    return json(200, { status: outcome.status, checkedAt: outcome.checkedAt, detail: outcome.detail });
  });
}
