/**
 * The Logger port's implementations (jobs/lib/core/logger.ts), one JSON line
 * per call in the Powertools shape:
 * - lambda-logger.ts: Powertools Logger to stdout, with the Lambda context (Lambda);
 * - file-logger.ts: the same lines appended to the run log file (local runtime).
 */
export { lambdaLogger, PowertoolsLoggerAdapter } from './lambda-logger';
export { fileLogger } from './file-logger';
