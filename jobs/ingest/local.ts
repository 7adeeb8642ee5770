/**
 * Local wiring of ingest (the counterpart of handler.ts): the landed file is
 * in the raw zone's folder, announced by the pass as an S3 "Object Created".
 */
import { TerminalError } from '../lib/core/errors';
import type { LocalStep } from '../lib/runtimes/local/local-runtime';
import { ingest } from './ingest';
import { readIngestSettings } from './ingest-settings';

/**
 * Ingests the landed file an "Object Created" event names.
 *
 * @throws TerminalError when the event is not an S3 "Object Created", or a
 *   LAKEHOUSE_LANDING_* variable has a value it does not take (ingest-settings.ts)
 */
export const ingestLocal: LocalStep = async (runtime, _route, event) => {
  if (event.source !== 'aws.s3') throw new TerminalError(`ingest needs an S3 event, got ${event['detail-type']}`);
  return ingest(
    { key: event.detail.object.key },
    {
      raw: runtime.lake.raw,
      ledger: runtime.ledger,
      clock: runtime.clock,
      logger: runtime.logger,
      settings: readIngestSettings(),
    },
  );
};
