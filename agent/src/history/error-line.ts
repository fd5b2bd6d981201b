/**
 * @module What a failed operation's error was, as the statistics report it; every store
 * uses this so their answers agree.
 */

const ERROR_CHARS = 500;

/** The line truncateForHistory adds: it says the stream was cut, not what went wrong. */
const TRUNCATION_NOTE = /^\[truncated: \d+ characters, first \d+ kept\]$/;

/**
 * Its stderr's last non-empty line (where most tools say why they stopped), cut to 500
 * characters; else its exit status.
 */
export function errorLine(stderr: string, returnCode: number | null): string {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    if (line && !TRUNCATION_NOTE.test(line)) return line.slice(0, ERROR_CHARS);
  }
  return returnCode === null ? "no exit code (killed, timed out or never ran)" : `exit code ${returnCode}`;
}
