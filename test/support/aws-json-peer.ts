// A loopback peer speaking the AWS JSON protocol (X-Amz-Target names the operation, the body is
// JSON): the real SDK clients talk to it through an endpoint override, it records every request as
// received, and a test says what it answers. For adapters whose AWS service has no local stand-in.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerRequest {
  readonly method: string;
  readonly path: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

export interface PeerAnswer {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export interface AwsJsonPeer {
  readonly url: string;
  readonly requests: PeerRequest[];
  /** What the peer answers next; called with the request and how many came before it. */
  answer: (request: PeerRequest, index: number) => PeerAnswer;
  close(): Promise<void>;
}

/** `contentType`: application/x-amz-json-1.0 (SQS) or 1.1 (Secrets Manager). */
export async function startAwsJsonPeer(contentType: string): Promise<AwsJsonPeer> {
  const peer: AwsJsonPeer = {
    url: '',
    requests: [],
    answer: () => ({ status: 500, body: { __type: 'InternalFailure', message: 'no answer set' } }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request: PeerRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      target: String(req.headers['x-amz-target'] ?? ''),
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    const answer = peer.answer(request, peer.requests.length);
    peer.requests.push(request);
    res.writeHead(answer.status ?? 200, { 'content-type': contentType, 'x-amzn-requestid': crypto.randomUUID(), ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(peer, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}
