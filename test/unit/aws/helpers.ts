/** Shared helpers for the AWS adapter tests (aws-sdk-client-mock stands in for AWS: there is no account here). */
import { Readable } from 'node:stream';
import type { RunRecord } from '../../../jobs/lib/core/ports';

/** An error shaped like an AWS SDK v3 service exception. */
export function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** A GetObject Body as the SDK returns it in Node: a Readable with transformToByteArray. */
export function sdkBody(content: string | Buffer): Readable & { transformToByteArray: () => Promise<Uint8Array> } {
  const buffer = Buffer.from(content);
  return Object.assign(Readable.from([buffer]), { transformToByteArray: async () => new Uint8Array(buffer) });
}

/** A sleep that records its delays instead of waiting. */
export function fakeSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** A logger that records calls (the jobs take a Powertools Logger; only these methods are used). */
export function recordingLogger() {
  const entries: { level: string; message: string; extra?: unknown }[] = [];
  const at = (level: string) => (message: string, extra?: unknown) => void entries.push({ level, message, extra });
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), appendKeys: () => undefined };
  return { entries, logger: logger as unknown as import('../../../jobs/lib/core/logger').Logger };
}

/** A run of an extract at `stage`, created and last updated at `updatedAt` (ISO UTC), with no history or counts; `extra` overrides. */
export function runAt(runId: string, stage: RunRecord['stage'], updatedAt: string, extra: Partial<RunRecord> = {}): RunRecord {
  return { runId, origin: 'extract', stage, createdAt: updatedAt, updatedAt, history: {}, counts: {}, ...extra };
}
