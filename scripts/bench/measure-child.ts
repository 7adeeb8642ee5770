/**
 * The benchmark's measuring process (forked by `run-scale.ts`): receives one
 * MeasureInput message, measures that scale with `measureScale`, sends back
 * `{ figures }` or `{ error }`, and exits. Progress lines go to stderr.
 */
import { measureScale, type MeasureInput } from './run-scale';

process.once('message', (input: MeasureInput) => {
  measureScale(input, (line) => console.error(line)).then(
    (figures) => process.send!({ figures }, () => process.exit(0)),
    (error: unknown) =>
      process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
  );
});
