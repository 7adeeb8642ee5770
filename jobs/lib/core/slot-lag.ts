/**
 * The slot-lag alert of change capture (README "Change capture"): a slot
 * keeps every byte of WAL its consumer has not confirmed, so a pipeline that
 * stopped consuming fills the source's disk. Each pass in `cdc` mode (and
 * `lakehouse cdc status`) compares the lag with a threshold and logs an error
 * line (which the log scan turns into an alert) when it is over, or when the
 * slot is gone or lost the WAL it needed.
 */
import bytes from 'bytes';
import type { ChangeCapture, SlotStatus } from './change-capture';
import type { Logger } from './logger';

/** What a check found. */
export interface SlotLagCheck {
  /** The slot, or null when it does not exist. */
  status: SlotStatus | null;
  /** The threshold compared with, in bytes. */
  maxLagBytes: number;
  /** Problems found (none: healthy), each a sentence for the console and the alert. */
  problems: string[];
}

/**
 * Judges a slot's status against `maxLagBytes`: the problems, each a
 * sentence (none: healthy). Pure; for readers that must not log (`status`).
 */
export function slotProblems(status: SlotStatus | null, maxLagBytes: number): string[] {
  const problems: string[] = [];
  if (!status) problems.push('the replication slot does not exist: run `lakehouse cdc setup`');
  else {
    if (status.walStatus === 'lost') {
      problems.push(`slot ${status.slot} lost WAL it needed (wal_status lost): drop and set it up again, then reconcile`);
    }
    if (status.lagBytes > maxLagBytes) {
      problems.push(
        `slot ${status.slot} is ${bytes.format(status.lagBytes)} behind the source, over LAKEHOUSE_CDC_MAX_LAG ` +
          `(${bytes.format(maxLagBytes)}); it holds ${bytes.format(status.retainedBytes)} of WAL on the source's disk: ` +
          'is the pipeline running?',
      );
    }
  }
  return problems;
}

/**
 * Reads the slot's status and judges it against `maxLagBytes`
 * ({@link slotProblems}); logs one error line (step `extract`) naming the
 * problems when there are any.
 * @throws the capture's errors (connection lost) as it throws them
 */
export async function checkSlotLag(capture: ChangeCapture, maxLagBytes: number, logger: Logger): Promise<SlotLagCheck> {
  const status = await capture.status();
  const problems = slotProblems(status, maxLagBytes);
  if (problems.length) {
    logger.error('change capture slot lag', {
      step: 'extract',
      slot: status?.slot ?? null,
      lagBytes: status?.lagBytes ?? null,
      retainedBytes: status?.retainedBytes ?? null,
      error: problems.join('; '),
    });
  }
  return { status, maxLagBytes, problems };
}
