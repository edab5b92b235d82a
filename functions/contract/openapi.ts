// The OpenAPI 3.1 document, generated from the route table and the per-route contracts: `npm run
// openapi` writes it to openapi.json, `npm start` serves it at GET /openapi.json, and the tests check
// every response against it. Never imported by a handler.
import * as z from 'zod/mini';
import packageJson from '../../package.json' with { type: 'json' };
import { errorCodes, type ErrorCode } from './error-codes.ts';
import { contractOf, errorWhen, pathParameters, sharedErrors, type ResponseContract } from './http-contract.ts';
import { routeList, type Route } from './routes.ts';
import * as schemas from './schemas.ts';

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

const localServer = 'http://127.0.0.1:3000';

const description = `Store container-registry credentials per project; passwords are KMS-encrypted and never returned.

Deployed, every request is signed with AWS Signature Version 4 (service \`execute-api\`) and authorised by IAM.
API Gateway answers some requests itself, before any handler runs, with \`{"message": "..."}\`: 403 (unsigned, or
the caller's IAM policy does not grant the project and route), 404 (an unknown route, or a known path with another
method) and 429 (throttled). The local server (\`npm start\`) answers unknown routes with a JSON 404 and a known
path with another method with a JSON 405 (\`MethodNotAllowed\`, with an \`Allow\` header).`;

/** Names each schema of contract/schemas.ts by its export (credentialPage -> CredentialPage) for $refs. */
const schemaNames = new Map<unknown, string>(
  Object.entries(schemas)
    .filter(([, value]) => typeof value === 'object' && value !== null && '_zod' in value)
    .map(([name, value]) => [value, name[0]!.toUpperCase() + name.slice(1)]),
);

class Components {
  private readonly registries = { input: z.registry<{ id: string }>(), output: z.registry<{ id: string }>() };

  ref(schema: z.ZodMiniType, io: Io): JsonSchema {
    const name = schemaNames.get(schema);
    if (!name) throw new Error('every request and response body schema must be exported from contract/schemas.ts');
    if (!this.registries[io].has(schema)) this.registries[io].add(schema, { id: name });
    return { $ref: `#/components/schemas/${name}` };
  }

  schemas(): Record<string, JsonSchema> {
    const all: Record<string, JsonSchema> = {};
    for (const io of ['output', 'input'] as const) {
      const { schemas: generated } = z.toJSONSchema(this.registries[io], { io, uri: (id) => `#/components/schemas/${id}` });
      for (const [name, { $schema: _, $id: __, ...schema }] of Object.entries(generated)) all[name] = schema as JsonSchema;
    }
    return Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
  }
}

function inline(schema: z.ZodMiniType, io: Io): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io }) as JsonSchema;
  return json;
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const bodySchema = (response: JsonSchema) => (response['content'] as Record<string, { schema: JsonSchema }>)['application/json']!.schema;

function parameters(route: Route, query: z.ZodMiniType | undefined): JsonSchema[] {
  const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const schema = pathParameters[name!];
    if (!schema) throw new Error(`route ${route.name}: no schema for path parameter {${name}} in contract/http-contract.ts`);
    return { name, in: 'path', required: true, schema: inline(schema, 'input') };
  });
  if (!query) return inPath;
  const { properties = {}, required = [] } = inline(query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const inQuery = Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: required.includes(name), schema }));
  return [...inPath, ...inQuery];
}

function success(response: ResponseContract, components: Components): JsonSchema {
  return {
    description: response.description,
    ...(response.headers && {
      headers: Object.fromEntries(Object.entries(response.headers).map(([name, about]) => [name, { description: about, schema: { type: 'string' } }])),
    }),
    ...(response.body && { content: json(components.ref(response.body, 'output')) }),
  };
}

/** One response per error status; its body is an ErrorBody whose `error` is one of that status's codes. */
function errors(codes: readonly ErrorCode[], components: Components): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(errorCodes[code], [...(byStatus.get(errorCodes[code]) ?? []), code]);
  const errorBody = components.ref(schemas.errorBody, 'output');
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((code) => `\`${code}\`: ${errorWhen[code]}`).join(' '),
        content: json({ allOf: [errorBody, { properties: { error: { enum: list } } }] }),
      },
    ]),
  );
}

function gatewayResponses(components: Components): Record<string, JsonSchema> {
  const body = json(components.ref(schemas.gatewayError, 'output'));
  return {
    403: { description: 'From API Gateway: unsigned, a bad signature, or IAM does not grant this project and route. npm start answers it too when a request carries a SigV4 signature that does not verify.', content: body },
    429: { description: 'Deployed only, from API Gateway: throttled.', content: body },
  };
}

const camelCase = (name: string) => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

function operation(route: Route, components: Components): JsonSchema {
  const contract = contractOf(route);
  if (route.hasBody !== (contract.body !== undefined)) throw new Error(`route ${route.name}: hasBody and the contract's request body disagree`);
  const responses: Record<string, JsonSchema> = {
    ...Object.fromEntries(Object.entries(contract.responses).map(([status, response]) => [status, success(response, components)])),
    ...errors([...sharedErrors, ...contract.errors], components),
  };
  // A status both the route and API Gateway answer (429: verify's rate limit and the gateway's
  // throttling) takes either body.
  for (const [status, gateway] of Object.entries(gatewayResponses(components))) {
    const own = responses[status];
    responses[status] = own
      ? { description: `${own['description']} Or ${gateway['description']}`, content: json({ oneOf: [bodySchema(own), bodySchema(gateway)] }) }
      : gateway;
  }
  return {
    operationId: camelCase(route.name),
    summary: route.summary,
    tags: ['docker-credentials'],
    'x-regcred-capability': route.capability,
    parameters: parameters(route, contract.query),
    ...(contract.body && { requestBody: { required: true, content: json(components.ref(contract.body, 'input')) } }),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
  };
}

export function openApiDocument(): JsonSchema {
  const components = new Components();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routeList) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, components);
  return {
    openapi: '3.1.0',
    info: { title: 'regcred', version: packageJson.version, description, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
    servers: [
      { url: localServer, description: '`npm start`: the API on this machine (signatures are not required locally).' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'Deployed with `npx cdk deploy` (the `ApiUrl` stack output).',
        variables: { apiId: { default: 'apiId' }, region: { default: 'eu-west-1' } },
      },
    ],
    security: [{ sigv4: [] }],
    tags: [{ name: 'docker-credentials', description: 'Registry logins of a project.' }],
    paths,
    components: {
      schemas: components.schemas(),
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (service `execute-api`), authorised by IAM: see the README, "Give a team its project".',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}

/** The document as committed in openapi.json. */
export const openApiJson = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;
