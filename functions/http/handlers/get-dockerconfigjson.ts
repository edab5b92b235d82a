import { projectParams } from '../../contract/path-params.ts';
import { routes } from '../../contract/routes.ts';
import { dockerConfigJson, goJson } from '../../core/docker-config.ts';
import type { ResolveDeps } from '../../core/resolve-registry-auth.ts';
import { apiHandler, parse } from '../api-handler.ts';
import { audited } from '../audit.ts';
import { jsonText } from '../responses.ts';

export function getDockerConfigJsonHandler(deps: ResolveDeps) {
  return apiHandler(
    routes.getDockerConfigJson,
    audited(async (event, record) => {
      const { project } = parse(projectParams, event.pathParameters);
      record.project = project;
      const { config, credentials } = await dockerConfigJson(deps, project);
      for (const { id, registry } of credentials) {
        record.credentialIds.push(id);
        record.registries.push(registry);
      }
      return jsonText(200, goJson(config));
    }),
  );
}
