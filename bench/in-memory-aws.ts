// An SDK request handler that answers DynamoDB and KMS calls from memory: no network, no AWS.
// It returns canned but well-formed responses, so both regcred and the baselines run their full
// SDK path (serialize, sign, deserialize) on every call.
import { Readable } from 'node:stream';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';

const s = (S: string) => ({ S });

function listItems(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const id = `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`;
    return {
      id: s(id),
      server: s(`registry-${i}.example.com`),
      registry: s(`registry-${i}.example.com`),
      username: s('robot'),
      createdAt: s('2026-01-01T00:00:00.000Z'),
    };
  });
}

const ciphertext = Buffer.alloc(184, 7).toString('base64');

export function inMemoryBodies(listSize = 50): Record<string, string> {
  return {
    'DynamoDB_20120810.Query': JSON.stringify({ Items: listItems(listSize), Count: listSize, ScannedCount: listSize }),
    'DynamoDB_20120810.GetItem': JSON.stringify({ Item: { registry: s('registry-0.example.com') } }),
    'DynamoDB_20120810.TransactWriteItems': '{}',
    'DynamoDB_20120810.UpdateItem': JSON.stringify({ Attributes: { ...listItems(1)[0], version: { N: '2' }, updatedAt: s('2026-01-02T00:00:00.000Z') } }),
    'TrentService.Encrypt': JSON.stringify({
      CiphertextBlob: ciphertext,
      KeyId: 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000',
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    }),
  };
}

export class InMemoryRequestHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly bodies: Record<string, Buffer>;

  constructor(bodies: Record<string, string> = inMemoryBodies()) {
    this.bodies = Object.fromEntries(Object.entries(bodies).map(([k, v]) => [k, Buffer.from(v)]));
  }

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = request.headers['x-amz-target'] ?? '';
    const body = this.bodies[target];
    if (!body) throw new Error(`in-memory AWS has no answer for ${target}`);
    return {
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length), 'x-amzn-requestid': 'bench' },
        body: Readable.from([body]),
      }),
    };
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs() {
    return {};
  }
  destroy(): void {}
}
