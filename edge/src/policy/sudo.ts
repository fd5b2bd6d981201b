/**
 * @module Whether a command invokes sudo, for VMs with `sudo: false`. A guard against
 * mistakes, not a sandbox: `bash -c "sudo …"`, `eval`, variables or quoting tricks get past
 * it, and the real limit is the SSH user's sudoers. What it catches, predictably: `sudo` (or a
 * path ending in `/sudo`) as the first word of any command in the line — after `;`, `&&`,
 * `||`, `|`, `&`, a newline, `(`, `{`, `` ` `` or `$(` — skipping leading `VAR=value`
 * assignments, shell keywords and a few wrappers that run the next word (env, exec, …).
 */

/** Words after which the next word is still at a command position. */
const PASS_THROUGH = new Set([
  "!",
  "if",
  "elif",
  "then",
  "else",
  "while",
  "until",
  "do",
  "time",
  "env",
  "exec",
  "command",
  "builtin",
  "nohup",
  "nice",
  "xargs",
]);

const SEPARATORS = /;|&&|\|\||\||&|\n|\(|\)|\{|\}|`|\$\(/;

const isAssignment = (word: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word);

function firstCommandWord(segment: string): string | undefined {
  for (const word of segment.trim().split(/\s+/)) {
    if (!word) return undefined;
    // Options of a wrapper (`env -i`, `nohup --`) are skipped with it.
    if (PASS_THROUGH.has(word) || isAssignment(word) || word.startsWith("-")) continue;
    return word;
  }
  return undefined;
}

export function invokesSudo(command: string): boolean {
  return command.split(SEPARATORS).some((segment) => {
    const word = firstCommandWord(segment)?.replace(/^['"]|['"]$/g, "");
    return word === "sudo" || word?.endsWith("/sudo") === true;
  });
}
