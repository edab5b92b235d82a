// A pass-through HTTP proxy in front of the run's `npm start` API for clients the tests cannot wrap
// (the CLI runs as a subprocess): every response is checked against the OpenAPI document, and a
// file's tests fail after each test whose responses the document does not declare.
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, expect } from 'vitest';
import { responseProblem } from './openapi-check.ts';

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the proxy to `target` for this test file and returns its URL. */
export async function checkedApiUrl(target: string): Promise<string> {
  const problems: string[] = [];
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    // The target's own Host, as a reverse proxy sends it: npm start refuses any other (local/origin-guard.ts).
    const headers = { ...req.headers, host: new URL(target).host };
    const upstream = request(new URL(req.url ?? '/', target), { method: req.method, headers }, async (answer) => {
      const text = await readAll(answer);
      const status = answer.statusCode ?? 0;
      const problem = responseProblem({ method: req.method ?? 'GET', path: req.url ?? '/', status, contentType: answer.headers['content-type'], text: text.toString('utf8') });
      if (problem) problems.push(problem);
      res.writeHead(status, withoutHopByHop(answer.headers));
      res.end(text);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterEach(() => {
    expect(problems.splice(0), 'responses the OpenAPI document does not declare').toEqual([]);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
}
