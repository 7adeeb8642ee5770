/**
 * The run manifest (docs/architecture.md "Data contracts"): written to `raw/_manifests/<run>.json`
 * after all of a run's part files. Its arrival starts the chain.
 */
import { z } from 'zod';

export const manifestTableSchema = z.object({
  /** Raw-zone object keys of the part files, in order. */
  files: z.array(z.string()),
  rows: z.number().int().nonnegative(),
  /** last_updated range covered (ISO ms, source-local); null `from` = full read. */
  watermark: z.object({ from: z.string().nullable(), to: z.string() }).optional(),
  /** Source columns as the source reported them. */
  schema: z.array(z.object({ name: z.string(), dataType: z.string(), nullable: z.boolean() })),
});

export const manifestSchema = z.object({
  runId: z.string(),
  origin: z.enum(['extract', 'ingest', 'reconcile']),
  /** ISO UTC time the manifest was written. */
  createdAt: z.string(),
  tables: z.record(z.string(), manifestTableSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestTable = z.infer<typeof manifestTableSchema>;

/** Parses manifest JSON; throws a ZodError (terminal: the manifest is malformed) on a bad shape. */
export function parseManifest(text: string | Buffer): Manifest {
  return manifestSchema.parse(JSON.parse(text.toString()));
}
