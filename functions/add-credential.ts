import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { KmsPasswordEncryptor } from './adapters/kms-password-encryptor.ts';
import { projectParams } from './contract/path-params.ts';
import { expandPath, routes } from './contract/routes.ts';
import { addCredentialRequest } from './contract/schemas.ts';
import { addCredential } from './core/add-credential.ts';
import { newCredentialId } from './core/ids.ts';
import { apiHandler, parse } from './http/api-handler.ts';
import { json } from './http/responses.ts';

const deps = {
  store: DynamoDbCredentialStore.fromEnv(),
  encryptor: KmsPasswordEncryptor.fromEnv(),
  clock: { now: () => new Date() },
  newId: newCredentialId,
};

export const handler = apiHandler(routes.addCredential, async (event) => {
  const { project } = parse(projectParams, event.pathParameters);
  const body = parse(addCredentialRequest, event.body);
  const created = await addCredential(deps, { project, ...body });
  return json(201, created, { location: expandPath(routes.deleteCredential.path, { project, id: created.id }) });
});
