// The local AWS endpoints answer SDK clients on this machine only: a browser page (any Origin header)
// or a request for another host name (DNS rebinding) is refused before anything else is read.
import type { IncomingMessage, ServerResponse } from 'node:http';

const loopbackHost = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export function guardLocalRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const host = req.headers.host ?? '';
  if (req.headers.origin === undefined && loopbackHost.test(host)) return true;
  res.writeHead(403, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ __type: 'AccessDeniedException', message: req.headers.origin === undefined ? `Host ${JSON.stringify(host)} is not this machine's loopback address` : 'Browser requests (Origin) are refused by the local AWS endpoints' }));
  return false;
}
