/**
 * The exit codes of every `lakehouse` command, in one place (the README's
 * "Exit codes" table lists the same):
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | failure: a step failed, a run is failed and waits for `lakehouse retry`, or the command could not do what it was asked (an unknown run id, a source already seeded, an error) |
 * | 2 | usage error: an unknown command or option, a bad option value (commander's own errors, which it would exit 1 on) |
 * | 3 | the work succeeded, but its alert could not be sent (kept in the outbox) |
 *
 * Help and `--version` exit 0. A run that failed and an alert not sent give 1
 * (the failure matters more).
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  alertNotSent: 3,
} as const;

/**
 * The exit code of a command that ran passes: {@link EXIT.failed} when any
 * failed, else {@link EXIT.alertNotSent} when an alert could not be sent, else
 * {@link EXIT.ok}.
 */
export function passExitCode(outcome: { ok: boolean; alertNotSent?: boolean }): number {
  if (!outcome.ok) return EXIT.failed;
  return outcome.alertNotSent ? EXIT.alertNotSent : EXIT.ok;
}
