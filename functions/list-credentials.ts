import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { projectParams } from './contract/path-params.ts';
import { routes } from './contract/routes.ts';
import { listQuery } from './contract/schemas.ts';
import { listCredentials } from './core/list-credentials.ts';
import { apiHandler, parse } from './http/api-handler.ts';
import { json } from './http/responses.ts';

const deps = {
  store: DynamoDbCredentialStore.fromEnv(),
};

export const handler = apiHandler(routes.listCredentials, async (event) => {
  const { project } = parse(projectParams, event.pathParameters);
  const query = parse(listQuery, event.queryStringParameters ?? {});
  return json(200, await listCredentials(deps, { project, ...query }));
});
