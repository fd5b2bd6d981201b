/**
 * @module Shell quoting for remote commands. sshd hands the command string to the
 * user's login shell, so the user's command must arrive as one inert single-quoted word.
 */
import { ERROR_CODES } from "@telecommande/shared";
import { JobError } from "../errors.js";

/** Quotes a string as one POSIX shell word: `it's` → `'it'\''s'`. Nothing inside is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The longest command string sshd can hand to the login shell: Linux refuses any single
 * argument over 128 KiB (MAX_ARG_STRLEN), with an unhelpful "Argument list too long".
 */
export const MAX_REMOTE_COMMAND_BYTES = 131_071;

/** The wrapped command, or an invalid_input JobError when the remote kernel would refuse it. */
export function checkedLength(wrapped: string, what = "the command"): string {
  const bytes = Buffer.byteLength(wrapped);
  if (bytes <= MAX_REMOTE_COMMAND_BYTES) return wrapped;
  throw new JobError(
    ERROR_CODES.invalidInput,
    `${what} is too long for the remote shell: ${bytes} bytes once quoted, and Linux takes at most ${MAX_REMOTE_COMMAND_BYTES} in one argument; write long scripts to a file (ssh_write_file) and run the file`,
  );
}

/**
 * Wraps a user command so it runs under `bash -lc` as the original did, or `sh -lc` where
 * bash is absent (Alpine, minimal images). stdin is /dev/null so a command that reads it
 * ends instead of hanging until its timeout, while the channel stays open for signals.
 */
export function wrapCommand(command: string): string {
  const q = shellQuote(command);
  return checkedLength(
    `if command -v bash >/dev/null 2>&1; then exec bash -lc ${q} </dev/null; else exec sh -lc ${q} </dev/null; fi`,
  );
}

/** Runs a fixed script under plain `sh -c`, independent of the user's login shell and profile. */
export function wrapScript(script: string): string {
  return checkedLength(`exec sh -c ${shellQuote(script)} </dev/null`, "the script");
}
