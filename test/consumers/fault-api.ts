// A stand-in for the API that answers every request with one fixed error, for the failures the real
// local stack cannot be made to produce on demand (API Gateway's 403 and unknown-route 404, a 5xx).
import { createServer, type Server } from 'node:http';

export interface FaultApi {
  readonly url: string;
  close(): Promise<void>;
}

export async function startFaultApi(status: number, body: string): Promise<FaultApi> {
  const server: Server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
