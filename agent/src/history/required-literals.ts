/**
 * @module What a regex's every match must contain, read from its source: the pre-check
 * that lets the analyzer and the secret masking skip regexes that cannot match a text
 * (literal-scan.ts finds the literals in a text). A regex that starts on `\b`, `\s` or a
 * class is tried at every position of a long output before it says no; knowing that any
 * match holds "oom-kill", or one of "95%"…"100%", or "password" and "=", a scan of the
 * lower-cased text answers for all of them at once.
 *
 * Sound only for what this reading understands: literal characters (ASCII; any other
 * character ends a literal), escapes, classes, groups, alternatives, lookarounds and
 * quantifiers of regexes without the `u` or `v` flag. Anything else promises nothing and
 * the regex always runs. Without `u`, `i` matches an ASCII character only with itself in
 * either case (a non-ASCII character never canonicalizes to ASCII), so a match of the
 * literal `abc` always lower-cases to "abc", whatever the flags.
 */

/** Lower-cased ASCII literals: the text holds at least one of them. */
export type AnyOf = string[];

/** What a part of a regex promises about the text it matches. */
interface Reading {
  /** Every match is one of these strings (lower-cased), when that is known and they are few. */
  exact: string[] | null;
  /** One literal of each list is in every match. */
  needs: AnyOf[];
}

/** Bounds on the strings a stretch of literals, small classes and optional characters can be. */
const MAX_STRINGS = 64;
const MAX_CLASS = 16;
/** Lists of literals kept per regex: the most selective. */
const MAX_NEEDS = 3;

class Unsupported extends Error {}

/** Drops literals that hold another of the list: the text holds one either way. */
function simplify(anyOf: AnyOf): AnyOf {
  const unique = [...new Set(anyOf)];
  return unique.filter((s) => !unique.some((o) => o !== s && s.includes(o)));
}

/** The more selective first: its shortest literal longer, then fewer literals. */
function bySelectivity(a: AnyOf, b: AnyOf): number {
  const shortest = (n: AnyOf) => Math.min(...n.map((s) => s.length));
  return shortest(b) - shortest(a) || a.length - b.length;
}

function cross(a: string[], b: string[]): string[] | null {
  if (a.length * b.length > MAX_STRINGS) return null;
  return [...new Set(a.flatMap((x) => b.map((y) => x + y)))];
}

/** An atom that is one of a few known strings (a character, a small class). */
function exactly(strings: string[]): Reading {
  return { exact: strings, needs: [strings] };
}

function literal(ch: string): Reading | null {
  return ch.charCodeAt(0) < 128 ? exactly([ch.toLowerCase()]) : null;
}

class Reader {
  private pos = 0;

  constructor(private readonly src: string) {}

  get done(): boolean {
    return this.pos >= this.src.length;
  }

  /** Alternatives up to `)` or the end: a match is one of them, so it holds one alternative's literal. */
  alternatives(): Reading {
    const alternatives: Reading[] = [this.sequence()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      alternatives.push(this.sequence());
    }
    if (alternatives.length === 1) return alternatives[0] as Reading;
    const exact = alternatives.every((a) => a.exact) ? [...new Set(alternatives.flatMap((a) => a.exact ?? []))] : null;
    const best = alternatives.map((a) => [...a.needs].sort(bySelectivity)[0]);
    const needs = best.every((b) => b !== undefined) ? [simplify(best.flat() as string[])] : [];
    return { exact: exact && exact.length <= MAX_STRINGS ? exact : null, needs };
  }

  /**
   * A stretch of exactly known atoms is one of a few strings (`pass(?:word|wd)`: "password"
   * or "passwd"; `ab?c`: "abc" or "ac"); what breaks it (a `\w+`, a repeat) ends it, and
   * each stretch whose strings are all non-empty is one list of literals.
   */
  private sequence(): Reading {
    const needs: AnyOf[] = [];
    let run: string[] = [""];
    let whole = true;
    const end = () => {
      if (run.every((s) => s.length > 0)) needs.push(run);
      run = [""];
      whole = false;
    };
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      const atom = this.atom();
      const { min, max } = this.quantifier();
      const once = min === 1 && max === 1;
      // An assertion takes no character: the literals on both sides of it are adjacent.
      if (atom === "zero") {
        if (!once) end();
        continue;
      }
      const exact = atom?.exact;
      if (exact && max === 1) {
        const next = cross(run, min === 0 ? [...exact, ""] : exact);
        if (next) run = next;
        else {
          end();
          run = min === 0 ? [""] : exact;
        }
        continue;
      }
      if (exact && min >= 1) {
        // Repeated, its first occurrence follows the stretch; the next ones stand after it.
        const next = cross(run, exact);
        if (next) run = next;
        else {
          end();
          run = exact;
        }
        end();
        continue;
      }
      end();
      if (atom && min >= 1) needs.push(...atom.needs);
    }
    const exact = whole ? run : null;
    if (run.every((s) => s.length > 0)) needs.push(run);
    return { exact, needs };
  }

  /** The quantifier after an atom, if any, as its bounds ({1, 1} when there is none). */
  private quantifier(): { min: number; max: number } {
    const ch = this.src[this.pos];
    let bounds: { min: number; max: number };
    if (ch === "?") bounds = { min: 0, max: 1 };
    else if (ch === "*") bounds = { min: 0, max: Number.POSITIVE_INFINITY };
    else if (ch === "+") bounds = { min: 1, max: Number.POSITIVE_INFINITY };
    else {
      // Without `u`, a `{` that does not make a quantifier is a literal `{`.
      const braces = ch === "{" ? /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos)) : null;
      if (!braces) return { min: 1, max: 1 };
      const min = Number(braces[1]);
      const max = braces[2] === undefined ? min : braces[3] ? Number(braces[3]) : Number.POSITIVE_INFINITY;
      bounds = { min, max };
      this.pos += braces[0].length - 1;
    }
    this.pos++;
    if (this.src[this.pos] === "?") this.pos++;
    return bounds;
  }

  /** One atom: what it promises, "zero" for an assertion, null for nothing known. */
  private atom(): Reading | "zero" | null {
    const ch = this.src[this.pos++] as string;
    if (ch === "\\") return this.escape();
    if (ch === "[") return this.charClass();
    if (ch === "(") return this.group();
    if (ch === "^" || ch === "$") return "zero";
    if (ch === ".") return null;
    return literal(ch);
  }

  private escape(): Reading | "zero" | null {
    const ch = this.src[this.pos];
    if (ch === "b" || ch === "B") {
      this.pos++;
      return "zero";
    }
    const escaped = this.escaped();
    return escaped === null ? null : literal(escaped);
  }

  /** The character an escape (its backslash read) stands for; null for a class or a back-reference. */
  private escaped(): string | null {
    const ch = this.src[this.pos++];
    if (ch === undefined) throw new Unsupported("trailing backslash");
    if ("dDwWsS".includes(ch)) return null;
    const control: Record<string, string> = { n: "\n", t: "\t", r: "\r" };
    if (control[ch]) return control[ch];
    if (/[1-9]/.test(ch)) {
      while (/\d/.test(this.src[this.pos] ?? "")) this.pos++;
      return null;
    }
    if (/[A-Za-z0-9]/.test(ch)) throw new Unsupported(`\\${ch}`);
    return ch;
  }

  /** A class of a few ASCII characters (`[Ss]`, `[5-9]`, `[_-]`) is one of them; any other, nothing known. */
  private charClass(): Reading | null {
    let known = this.src[this.pos] !== "^";
    if (!known) this.pos++;
    const chars = new Set<number>();
    // In a regex without `u`, `[]` is an empty class and `[^]` any character.
    while (this.pos < this.src.length && this.src[this.pos] !== "]") {
      const low = this.classChar();
      let high = low;
      if (this.src[this.pos] === "-" && this.src[this.pos + 1] !== "]" && this.pos + 1 < this.src.length) {
        this.pos++;
        high = this.classChar();
      }
      if (low === null || high === null || high >= 128 || high - low > MAX_CLASS) known = false;
      else for (let c = low; c <= high; c++) chars.add(String.fromCharCode(c).toLowerCase().charCodeAt(0));
    }
    if (this.pos++ >= this.src.length) throw new Unsupported("unclosed class");
    if (!known || chars.size === 0 || chars.size > MAX_CLASS) return null;
    return exactly([...chars].map((c) => String.fromCharCode(c)));
  }

  private classChar(): number | null {
    const ch = this.src[this.pos++] as string;
    if (ch !== "\\") return ch.charCodeAt(0);
    // Inside a class `\b` is a backspace; rare enough to promise nothing.
    if (this.src[this.pos] === "b") {
      this.pos++;
      return null;
    }
    return this.escaped()?.charCodeAt(0) ?? null;
  }

  private group(): Reading | null {
    let look = false;
    if (this.src[this.pos] === "?") {
      const kind = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(this.src.slice(this.pos));
      if (!kind) throw new Unsupported("group kind");
      look = /^\?<?[=!]/.test(kind[0]);
      this.pos += kind[0].length;
    }
    const reading = this.alternatives();
    if (this.src[this.pos++] !== ")") throw new Unsupported("unclosed group");
    // A lookaround matches no text of its own: it promises nothing about the match.
    return look ? null : reading;
  }
}

/**
 * Lists of lower-cased ASCII literals such that every match of `re` holds one literal of
 * each list (the most selective lists, at most MAX_NEEDS); none when its source promises
 * nothing, uses syntax this reading does not know, or has the `u` or `v` flag.
 */
export function requiredLiterals(re: RegExp): AnyOf[] {
  if (/[uv]/.test(re.flags)) return [];
  try {
    const reader = new Reader(re.source);
    const { needs } = reader.alternatives();
    if (!reader.done) return [];
    const unique = new Map(needs.map(simplify).map((anyOf) => [anyOf.join("\0"), anyOf]));
    return [...unique.values()].sort(bySelectivity).slice(0, MAX_NEEDS);
  } catch (error) {
    if (error instanceof Unsupported) return [];
    throw error;
  }
}
