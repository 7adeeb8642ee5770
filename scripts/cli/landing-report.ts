/**
 * What a pass did with the files it found under `landing/` (issue 12 item 6):
 * one line for each file quarantined (unreadable, every line bad, not in a
 * source table's folder, directly under `landing/`) and each file ingested
 * with rejected lines, with the reason, for the `lakehouse run` summary.
 */
import type { IngestResult } from '../../jobs/ingest/ingest';
import type { Delivery } from '../../jobs/lib/runtimes/local/event-bus';

/** The landing part of a run's report. */
export interface LandingReport {
  /** Printable lines (none when every landed file was ingested whole). */
  lines: string[];
  /** Files quarantined in the pass: a run with any exits non-zero. */
  quarantined: number;
}

/**
 * The landing report of a pass's deliveries (the results of its `ingest`
 * steps; other steps are skipped).
 *
 * Lines: `quarantined landing/<…>: <reason> (file kept in raw/_quarantine/landing/<…>)`
 * and `rejected N of M lines of landing/<…> (run <id>): line 2: <reason>; … (kept in raw/_rejects/…)`.
 */
export function landingReport(deliveries: readonly Delivery[]): LandingReport {
  const lines: string[] = [];
  let quarantined = 0;
  for (const delivery of deliveries) {
    if (delivery.step !== 'ingest' || delivery.error) continue;
    const result = delivery.result as IngestResult | undefined;
    if (result?.status === 'quarantined') {
      quarantined++;
      lines.push(`quarantined ${result.key}: ${result.reason} (file kept in raw/${result.quarantineKey})`);
    } else if (result?.status === 'ingested' && result.rejected > 0) {
      const more = result.rejected - (result.rejectReasons?.length ?? 0);
      const reasons = [...(result.rejectReasons ?? []), ...(more > 0 ? [`and ${more} more`] : [])].join('; ');
      lines.push(
        `rejected ${result.rejected} of ${result.rejected + result.rows} lines of ${result.key} (run ${result.runId}): ${reasons} (kept in raw/${result.rejectsKey})`,
      );
    }
  }
  return { lines, quarantined };
}
