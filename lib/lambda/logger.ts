import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger for all functions; the service name groups their logs. */
export const logger = new Logger({ serviceName: 'atlas-janitor' });
