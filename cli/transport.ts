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

/**
 * The most an answer may hold: Lambda returns at most 6 MB, so anything bigger is not the regcred
 * API, and reading it whole would let any endpoint exhaust the memory of a bin.
 */
export const maxResponseBytes = 6 * 1024 * 1024;

/** The answer went past maxResponseBytes; the rest of it was not read. */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}

export const nodeTransport: Transport = async (url, init) => {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const headers = { ...init.headers, ...(init.body !== undefined && { 'content-length': String(Buffer.byteLength(init.body)) }) };
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = request(url, { method: init.method, headers, ...(init.signal && { signal: init.signal }) }, resolve);
    outgoing.on('error', (error) => reject(asFetchError(error)));
    outgoing.end(init.body);
  });
  const declared = Number(response.headers['content-length']);
  if (declared > maxResponseBytes) {
    response.destroy();
    throw new ResponseTooLargeError(`The answer is ${declared} bytes, more than the ${maxResponseBytes} an API answer can be.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > maxResponseBytes) {
        response.destroy();
        throw new ResponseTooLargeError(`The answer is more than the ${maxResponseBytes} bytes an API answer can be.`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof ResponseTooLargeError) throw error;
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
