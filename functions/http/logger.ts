import { Logger } from '@aws-lambda-powertools/logger';

class RequestLogger extends Logger {
  /** Powertools' cold-start flag: true on the first invocation of an on-demand environment only. */
  isColdStartInvocation(): boolean {
    return this.getColdStart();
  }
}

// One logger per bundle. It is never given request bodies, headers or secrets.
export const logger = new RequestLogger({ serviceName: 'regcred' });
