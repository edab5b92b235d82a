// A test's scripted peer on 127.0.0.1 and a free port: an HTTP server, or a raw TCP one for faults
// below HTTP. close() ends open connections first, so a peer that never answers cannot hang it.
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

export interface Stub<S extends HttpServer | TcpServer> {
  readonly server: S;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 with a server built elsewhere. */
export async function listenLoopback<S extends HttpServer | TcpServer>(server: S, sockets: Set<Socket> = new Set()): Promise<Stub<S>> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function httpStub(handler: RequestListener): Promise<Stub<HttpServer>> {
  return listenLoopback(createHttpServer(handler));
}

/** A raw TCP peer; `connections()` counts every connection it accepted. */
export async function tcpStub(onConnection: (socket: Socket) => void = () => undefined): Promise<Stub<TcpServer> & { connections(): number }> {
  let count = 0;
  const stub = await listenLoopback(
    createTcpServer((socket) => {
      count++;
      onConnection(socket);
    }),
  );
  return { ...stub, connections: () => count };
}
