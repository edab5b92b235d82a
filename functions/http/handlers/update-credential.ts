import { credentialParams } from '../../contract/path-params.ts';
import { routes } from '../../contract/routes.ts';
import { updateCredentialRequest } from '../../contract/update-request.ts';
import { updateCredential, type UpdateCredentialDeps } from '../../core/update-credential.ts';
import { apiHandler, parse } from '../api-handler.ts';
import { entityTag, expectedVersion } from '../etag.ts';
import { json } from '../responses.ts';

export function updateCredentialHandler(deps: UpdateCredentialDeps) {
  return apiHandler(routes.updateCredential, async (event) => {
    const { project, id } = parse(credentialParams, event.pathParameters);
    const { server: _immutable, ...changes } = parse(updateCredentialRequest, event.body);
    const updated = await updateCredential(deps, { project, id, ...changes, expectedVersion: expectedVersion(event.headers['if-match']) });
    return json(200, updated, { etag: entityTag(updated.version) });
  });
}
