// `npm start` hands passwords to whoever reaches its loopback ports. A web page can reach them too:
// by DNS rebinding (its own host name resolving to 127.0.0.1, so the browser sends that name as
// Host) or by a cross-origin request (the browser sends its Origin). So the API and the local AWS endpoints
// answer a request only when its Host is one of the server's own loopback names with the server's
// port, and its Origin, when there is one, is such a name too (the console page npm start serves
// sends its own). Called first by each request handler (http-server.ts, aws/server.ts, aws/dynamodb-gate.ts).
import type { IncomingMessage } from 'node:http';

export interface ForeignRequest {
  /** 421 for a Host that is not the server's, 403 for a foreign Origin. */
  readonly status: 421 | 403;
  readonly header: 'host' | 'origin';
  readonly message: string;
}

const loopbackNames = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT` (and the bare names on port 80). */
export function ownHosts(port: number): string[] {
  return loopbackNames.flatMap((name) => (port === 80 ? [`${name}:80`, name] : [`${name}:${port}`]));
}

/** Why a request must be refused, or undefined when it is sent to this server from no origin or its own. */
export function foreignRequest(req: IncomingMessage): ForeignRequest | undefined {
  const port = req.socket.localPort ?? 0;
  const hosts = ownHosts(port);
  const list = (prefix: string) => loopbackNames.map((name) => `${prefix}${name}:${port}`).join(', ').replace(/, (?=[^,]*$)/, ' or ');
  const host = req.headers.host;
  if (host === undefined || !hosts.includes(host.toLowerCase())) {
    return {
      status: 421,
      header: 'host',
      message: `The Host header ${quoted(host)} is not this server's own name (${list('')}): npm start answers only requests sent to its loopback address, so that no web page can reach it by DNS rebinding.`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.some((own) => origin.toLowerCase() === `http://${own}`)) {
    return {
      status: 403,
      header: 'origin',
      message: `The Origin header ${quoted(origin)} is not this server's own origin (${list('http://')}): npm start refuses requests from other web pages.`,
    };
  }
  return undefined;
}

/** The JSON body of a refusal: `{"error", "message", "header"}`. */
export function foreignRequestBody(refusal: ForeignRequest): { error: string; message: string; header: string } {
  return { error: refusal.status === 421 ? 'MisdirectedRequest' : 'ForbiddenOrigin', message: refusal.message, header: refusal.header };
}

function quoted(value: string | undefined): string {
  if (value === undefined) return '(absent)';
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}
