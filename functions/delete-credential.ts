import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { credentialParams } from './contract/path-params.ts';
import { routes } from './contract/routes.ts';
import { deleteCredential } from './core/delete-credential.ts';
import { apiHandler, parse } from './http/api-handler.ts';
import { noContent } from './http/responses.ts';

const deps = {
  store: DynamoDbCredentialStore.fromEnv(),
};

export const handler = apiHandler(routes.deleteCredential, async (event) => {
  const params = parse(credentialParams, event.pathParameters);
  await deleteCredential(deps, params);
  return noContent();
});
