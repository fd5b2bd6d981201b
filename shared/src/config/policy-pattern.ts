/**
 * @module Command patterns of a group's `allow` and `deny` lists. Kept deliberately simple
 * so an operator can predict them: a glob over the whole command (`*` any text, `?` one
 * character, everything else literal), or a regular expression written `/.../` that may
 * match anywhere. Commands are matched trimmed. Pure: the config check and the edge share it.
 */

export interface CommandPattern {
  /** As written in the config: what an error names. */
  source: string;
  regex: RegExp;
}

export type PatternParse = { ok: true; pattern: CommandPattern } | { ok: false; error: string };

/** `/.../` is a regex; anything else (including `/usr/bin/reboot`) is a glob. */
function isRegexForm(text: string): boolean {
  return text.length >= 2 && text.startsWith("/") && text.endsWith("/");
}

/**
 * Which list a pattern is in. In a deny rule `*` matches anything, so a denial cannot be
 * dodged; in an allow rule `*` and `?` never match a shell control character (`;`, `&`, `|`,
 * a backtick, `$`, parentheses, redirections, a newline), so `systemctl status *` cannot be
 * stretched into `systemctl status x; rm -rf ~`. An allow rule that needs one spells it out.
 */
export type PatternKind = "allow" | "deny";

const ANY = "[\\s\\S]";
const PLAIN = "[^;&|`$()<>\\n\\r]";

/** A glob as an anchored regex: `*` → any run of text, `?` → one character (see PatternKind). */
function globRegex(glob: string, kind: PatternKind): RegExp {
  const one = kind === "allow" ? PLAIN : ANY;
  let body = "";
  for (const ch of glob) {
    if (ch === "*") body += `${one}*`;
    else if (ch === "?") body += one;
    else body += ch.replace(/[\\^$.|+()[\]{}/-]/g, "\\$&");
  }
  return new RegExp(`^${body}$`);
}

export function parsePattern(text: string, kind: PatternKind = "deny"): PatternParse {
  if (!text.trim()) return { ok: false, error: "a pattern must not be empty" };
  if (!isRegexForm(text)) return { ok: true, pattern: { source: text, regex: globRegex(text.trim(), kind) } };
  const body = text.slice(1, -1);
  if (!body) return { ok: false, error: "the regular expression // is empty" };
  try {
    return { ok: true, pattern: { source: text, regex: new RegExp(body) } };
  } catch (e) {
    // V8 repeats the pattern in its message; the path already says which one it is.
    const why = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    return { ok: false, error: `not a valid regular expression (${why})` };
  }
}

/** Compiles a list the config check has already accepted; a bad entry here is a bug. */
export function compilePatterns(texts: readonly string[], kind: PatternKind): CommandPattern[] {
  return texts.map((text) => {
    const parsed = parsePattern(text, kind);
    if (!parsed.ok) throw new Error(`invalid command pattern: ${parsed.error}`);
    return parsed.pattern;
  });
}

export function matchesPattern(pattern: CommandPattern, command: string): boolean {
  return pattern.regex.test(command.trim());
}
