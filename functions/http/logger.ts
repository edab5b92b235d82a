import { Logger } from '@aws-lambda-powertools/logger';

// One logger per bundle. It is never given request bodies, headers or secrets.
export const logger = new Logger({ serviceName: 'regcred' });
