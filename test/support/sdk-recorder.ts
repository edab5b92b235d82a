// Records every AWS SDK request this process sends, as it leaves for the network: the service and
// operation (from the AWS JSON protocol's X-Amz-Target) and the parsed request body. It wraps the
// SDK's own HTTP handler, the one every client of the handlers uses (the Lambda bundles too), so the
// real composition roots are recorded unchanged; every request still reaches the real local service.
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest } from '@smithy/protocol-http';

export interface SdkCall {
  /** The signing name: `dynamodb`, `kms`. */
  readonly service: string;
  /** The operation, e.g. `TransactWriteItems`. */
  readonly operation: string;
  readonly input: Record<string, any>;
}

const services: Record<string, string> = { DynamoDB_20120810: 'dynamodb', TrentService: 'kms' };

export function recordSdkCalls(onCall: (call: SdkCall) => void): () => void {
  const original = NodeHttpHandler.prototype.handle;
  NodeHttpHandler.prototype.handle = function (this: NodeHttpHandler, request: HttpRequest, ...rest: unknown[]) {
    const [prefix = '', operation = ''] = String(request.headers['x-amz-target'] ?? '').split('.');
    const service = services[prefix];
    if (!service) throw new Error(`the recorder does not know the service of X-Amz-Target ${prefix}; add it`);
    const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body as Uint8Array).toString('utf8');
    onCall({ service, operation, input: JSON.parse(body || '{}') });
    return (original as (...args: unknown[]) => ReturnType<typeof original>).call(this, request, ...rest);
  } as typeof original;
  return () => {
    NodeHttpHandler.prototype.handle = original;
  };
}
