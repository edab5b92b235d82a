import { projectParams } from '../../contract/path-params.ts';
import { registryAuthQuery } from '../../contract/registry-auth-query.ts';
import { routes } from '../../contract/routes.ts';
import { registryLookup, resolveRegistryAuth, type ResolveDeps } from '../../core/resolve-registry-auth.ts';
import { apiHandler, parse } from '../api-handler.ts';
import { audited } from '../audit.ts';
import { json } from '../responses.ts';

export function resolveRegistryAuthHandler(deps: ResolveDeps) {
  return apiHandler(
    routes.resolveRegistryAuth,
    audited(async (event, record) => {
      const { project } = parse(projectParams, event.pathParameters);
      record.project = project;
      const lookup = registryLookup(parse(registryAuthQuery, event.queryStringParameters ?? {}));
      record.image = lookup.image;
      if (lookup.image === null) record.server = lookup.registries[0] ?? null;
      const auth = await resolveRegistryAuth(deps, project, lookup);
      record.registries.push(auth.registry);
      record.credentialIds.push(auth.credentialId);
      return json(200, auth);
    }),
  );
}
