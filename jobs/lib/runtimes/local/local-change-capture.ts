/**
 * The local runtime's change capture (README "Change capture"): the source
 * server's replication slot, and the slot-lag check every pass makes in
 * capture mode `cdc`.
 */
import { PgChangeCapture } from '../../adapters/postgres/pg-change-capture';
import { TerminalError } from '../../core/errors';
import { checkSlotLag, type SlotLagCheck } from '../../core/slot-lag';
import type { LocalRuntime } from './local-runtime';

/**
 * The source's change capture (its slot and publication from the settings).
 * @throws TerminalError when the source is the embedded PGlite, which has no logical decoding
 */
export async function localChangeCapture(runtime: LocalRuntime): Promise<PgChangeCapture> {
  const client = await runtime.sourceClient();
  if (client.kind !== 'postgres') {
    throw new TerminalError(
      'LAKEHOUSE_CAPTURE=cdc needs a PostgreSQL server source (LAKEHOUSE_SOURCE_URL): the embedded source has no logical decoding; ' +
        'keep LAKEHOUSE_CAPTURE=watermark and use `lakehouse reconcile` for deletes',
    );
  }
  const { slot, publication } = runtime.settings.cdc;
  return new PgChangeCapture(client, { slot, publication });
}

/**
 * In capture mode `cdc`, checks the slot's lag against
 * `LAKEHOUSE_CDC_MAX_LAG` (core/slot-lag.ts: an error line, so an alert, when
 * over it or when the slot is missing); undefined in watermark mode.
 */
export async function localSlotLag(runtime: LocalRuntime): Promise<SlotLagCheck | undefined> {
  if (runtime.settings.capture !== 'cdc') return undefined;
  const capture = await localChangeCapture(runtime);
  return checkSlotLag(capture, runtime.settings.cdc.maxLagBytes, runtime.logger);
}
