// Checks a response against the generated OpenAPI document: the status must be declared for the
// operation the request reached, and the body must match that status's schema. The HTTP tests, the
// CLI tests (through checked-proxy.ts) and the in-process handler calls all route their responses
// through here, so the document cannot drift from what the API answers.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../functions/contract/openapi.ts';
import { isConsolePath } from '../../local/console.ts';
import { healthRoute } from '../../local/health.ts';
import { openApiPath } from '../../local/http-server.ts';

export interface Exchange {
  readonly method: string;
  /** The request path as sent (a query string is ignored), or a route's path template. */
  readonly path: string;
  readonly status: number;
  readonly contentType?: string | null | undefined;
  readonly text: string;
}

interface Response {
  readonly content?: Record<string, { schema: object }>;
}
interface Document {
  readonly paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  readonly components: { schemas: Record<string, object> };
}

const document = openApiDocument() as unknown as Document;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();
const templates = Object.keys(document.paths).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

function validator(key: string, schema: object): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({ ...schema, components: document.components });
    validators.set(key, validate);
  }
  return validate;
}


/** What is wrong with a response, or undefined when the document declares it. */
export function responseProblem(exchange: Exchange): string | undefined {
  const method = exchange.method.toLowerCase();
  // Resolved like the local server resolves a request target (dot segments, a leading //).
  const pathname = URL.parse(exchange.path, 'http://localhost')?.pathname ?? exchange.path;
  const where = `${exchange.method} ${pathname.slice(0, 200)} -> ${exchange.status}`;
  // The local server's own pages beside the API (the console, /health, /openapi.json) are not in the document.
  if (method === 'get' && (isConsolePath(pathname) || pathname === healthRoute.path || pathname === openApiPath)) return undefined;
  const match = templates.find(({ regex }) => regex.test(pathname));
  const operation = match && document.paths[match.template]?.[method];
  if (!match || !operation) {
    // The local server's answers before routing: 400 for a request node cannot parse (method, request
    // line, headers), else 404 for an unknown path or 405 for a known path with another method.
    const expected = [400, match ? 405 : 404];
    if (!expected.includes(exchange.status)) return `${where}: no operation in the OpenAPI document, so only ${expected.join(' or ')} is expected`;
    return bodyProblem(where, { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } }, exchange);
  }
  const response = operation.responses[String(exchange.status)];
  if (!response) return `${where}: status not declared for ${exchange.method} ${match.template} (declared: ${Object.keys(operation.responses).join(', ')})`;
  return bodyProblem(where, response, exchange, `${method} ${match.template} ${exchange.status}`);
}

function bodyProblem(where: string, response: Response, exchange: Exchange, key = `unrouted ${exchange.status}`): string | undefined {
  if (exchange.method.toUpperCase() === 'HEAD') return undefined; // never a body
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return exchange.text === '' ? undefined : `${where}: the document declares no body, got ${exchange.text.slice(0, 200)}`;
  if (!/^application\/json\b/.test(exchange.contentType ?? '')) return `${where}: content-type ${exchange.contentType}, not application/json`;
  let body: unknown;
  try {
    body = JSON.parse(exchange.text);
  } catch {
    return `${where}: the body is not JSON: ${exchange.text.slice(0, 200)}`;
  }
  const validate = validator(key, schema);
  if (validate(body)) return undefined;
  return `${where}: the body does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}; body ${exchange.text.slice(0, 300)}`;
}

export function checkResponse(exchange: Exchange): void {
  const problem = responseProblem(exchange);
  if (problem) throw new Error(problem);
}

/** fetch, with the response checked against the OpenAPI document (its body stays readable). */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<globalThis.Response> {
  const response = await fetch(url, init);
  const text = await response.clone().text();
  checkResponse({ method: init.method ?? 'GET', path: new URL(url).pathname, status: response.status, contentType: response.headers.get('content-type'), text });
  return response;
}
