import { projectParams } from '../../contract/path-params.ts';
import { expandPath, routes } from '../../contract/routes.ts';
import { addCredentialQuery, addCredentialRequest, noAddQuery } from '../../contract/add-request.ts';
import { addCredential, type AddCredentialDeps } from '../../core/add-credential.ts';
import { apiHandler, parse } from '../api-handler.ts';
import { entityTag } from '../etag.ts';
import { json } from '../responses.ts';

export function addCredentialHandler(deps: AddCredentialDeps) {
  return apiHandler(routes.addCredential, async (event) => {
    const { project } = parse(projectParams, event.pathParameters);
    const { verify } = event.queryStringParameters ? parse(addCredentialQuery, event.queryStringParameters) : noAddQuery;
    const body = parse(addCredentialRequest, event.body);
    const created = await addCredential(deps, { project, ...body, verify });
    return json(201, created, {
      location: expandPath(routes.deleteCredential.path, { project, id: created.id }),
      etag: entityTag(created.version),
    });
  });
}
