// The HTTP transport of the bins: node:http (node:https loaded only for an https endpoint) instead
// of the global fetch, whose first use loads and compiles undici (llhttp in WebAssembly) and costs a
// credential helper more than Node's own start. Never follows redirects: a 3xx is an answer.
import type { IncomingMessage } from 'node:http';

export interface TransportResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  /** A response header's value, or null. */
  header(name: string): string | null;
  text(): Promise<string>;
}

export interface TransportRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
  readonly signal?: AbortSignal;
}

/** How the API client sends a request: nodeTransport, or a stand-in in tests. */
export type Transport = (url: URL, init: TransportRequest) => Promise<TransportResponse>;

export const nodeTransport: Transport = async (url, init) => {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const headers = { ...init.headers, ...(init.body !== undefined && { 'content-length': String(Buffer.byteLength(init.body)) }) };
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = request(url, { method: init.method, headers, ...(init.signal && { signal: init.signal }) }, resolve);
    outgoing.on('error', (error) => reject(asFetchError(error)));
    outgoing.end(init.body);
  });
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response) chunks.push(chunk as Buffer);
  } catch (error) {
    throw asFetchError(error);
  }
  const status = response.statusCode ?? 0;
  const text = Buffer.concat(chunks).toString('utf8');
  const header = (name: string) => {
    const value = response.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return { ok: status >= 200 && status < 300, status, statusText: response.statusMessage ?? '', header, text: async () => text };
};

/** Fails as fetch does: an abort as itself, anything else as "fetch failed" with the socket error as its cause. */
function asFetchError(error: unknown): Error {
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return error;
  return new TypeError('fetch failed', { cause: error });
}
