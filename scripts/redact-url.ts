/** Connection URLs in messages (the CLI and the benchmark). */

/** `url` with its password (if any) replaced by `***`, for messages; `(unparseable URL)` when it is not a URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
