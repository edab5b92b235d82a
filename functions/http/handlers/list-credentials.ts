import { projectParams } from '../../contract/path-params.ts';
import { routes } from '../../contract/routes.ts';
import { listQuery } from '../../contract/list-query.ts';
import { listCredentials } from '../../core/list-credentials.ts';
import type { CredentialLister } from '../../core/ports.ts';
import { apiHandler, parse } from '../api-handler.ts';
import { json } from '../responses.ts';

export function listCredentialsHandler(deps: { readonly store: CredentialLister }) {
  return apiHandler(routes.listCredentials, async (event) => {
    const { project } = parse(projectParams, event.pathParameters);
    const query = parse(listQuery, event.queryStringParameters ?? {});
    return json(200, await listCredentials(deps, { project, ...query }));
  });
}
