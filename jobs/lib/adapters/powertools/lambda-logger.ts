/**
 * The Logger port on Lambda: Powertools Logger, one JSON line per call on
 * stdout (CloudWatch Logs). Level from POWERTOOLS_LOG_LEVEL (the pipeline
 * stack sets it), default INFO.
 *
 * Each invocation adds its Lambda context with {@link PowertoolsLoggerAdapter.addContext}
 * (handler-kit.ts `lambdaHandler` does it first thing), so every line of the
 * invocation carries `function_name`, `function_arn`, `function_memory_size`,
 * `function_request_id` and `cold_start`: Powertools' `Logger.addContext`, the
 * documented way for handlers that use neither the Middy middleware nor the
 * class-method decorator `injectLambdaContext` (Powertools for AWS Lambda
 * (TypeScript) docs, Logger, "Capturing Lambda context info").
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LogAttributes, Logger } from '../../core/logger';

/** The Logger port over a Powertools Logger: one JSON line per call, attributes merged into it. */
export class PowertoolsLoggerAdapter implements Logger {
  constructor(readonly powertools: PowertoolsLogger) {}
  /** Adds the invocation's Lambda context to every following line (and notes whether this is a cold start). */
  addContext(context: Context): void {
    this.powertools.addContext(context);
  }
  debug(message: string, attributes: LogAttributes = {}): void {
    this.powertools.debug(message, attributes);
  }
  info(message: string, attributes: LogAttributes = {}): void {
    this.powertools.info(message, attributes);
  }
  warn(message: string, attributes: LogAttributes = {}): void {
    this.powertools.warn(message, attributes);
  }
  error(message: string, attributes: LogAttributes = {}): void {
    this.powertools.error(message, attributes);
  }
}

/** A logger for `serviceName` writing to stdout (Lambda). Build it once per container, outside the handler. */
export function lambdaLogger(serviceName: string): PowertoolsLoggerAdapter {
  return new PowertoolsLoggerAdapter(new PowertoolsLogger({ serviceName }));
}
