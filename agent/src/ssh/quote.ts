/**
 * @module Shell quoting for remote commands. sshd hands the command string to the
 * user's login shell, so the user's command must arrive as one inert single-quoted word.
 */

/** Quotes a string as one POSIX shell word: `it's` → `'it'\''s'`. Nothing inside is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Wraps a user command so it runs under `bash -lc` as the original did, or `sh -lc` where
 * bash is absent (Alpine, minimal images). stdin is /dev/null so a command that reads it
 * ends instead of hanging until its timeout, while the channel stays open for signals.
 */
export function wrapCommand(command: string): string {
  const q = shellQuote(command);
  return `if command -v bash >/dev/null 2>&1; then exec bash -lc ${q} </dev/null; else exec sh -lc ${q} </dev/null; fi`;
}

/** Runs a fixed script under plain `sh -c`, independent of the user's login shell and profile. */
export function wrapScript(script: string): string {
  return `exec sh -c ${shellQuote(script)} </dev/null`;
}
