/**
 * Plain explanations of DuckDB errors that come from one unreadable lake file
 * (a JSON line over the reader's `maximum_object_size`, e.g. a raw row written
 * before the raw row limit existed or put there by hand): which file, which
 * partition folder, and what to do.
 */

/** A lake file DuckDB failed to read, and its partition folder (`…/<table>/run_id=<run>`) when it has one. */
export interface UnreadableFile {
  file: string;
  partition?: string;
  /** Whether the file holds a JSON object longer than the reader takes. */
  oversize: boolean;
}

/**
 * The file a DuckDB error message names (`… while reading file "<path>" …`),
 * or undefined when it names none.
 */
export function unreadableFile(message: string): UnreadableFile | undefined {
  const file = /while reading file "([^"]+)"/.exec(message)?.[1];
  if (!file) return undefined;
  return {
    file,
    partition: /^(.*[\\/]run_id=[^\\/]+)[\\/][^\\/]+$/.exec(file)?.[1],
    oversize: /maximum_object_size/.test(message),
  };
}

/**
 * One sentence on an unreadable file for an error or status message
 * ("the file <path> holds a row longer than the lake reads; …"), or undefined
 * when `message` names no file.
 */
export function explainUnreadableFile(message: string): string | undefined {
  const at = unreadableFile(message);
  if (!at) return undefined;
  const what = at.oversize ? 'holds a row longer than the lake reads (a JSON line over 4 MiB)' : 'cannot be read';
  const where = at.partition ? `move the partition folder ${at.partition} out of the lake` : 'move it out of the lake';
  return `the file ${at.file} ${what}; ${where} and land its good rows again without that line`;
}
