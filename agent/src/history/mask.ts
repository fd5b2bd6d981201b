/**
 * @module Secret masking for the history: every command and output passes through
 * `maskSecrets` before it is stored, embedded or exported, so a password typed on a
 * command line or printed by a config dump never becomes searchable. The patterns and
 * why each looks the way it does are in mask-patterns.ts.
 */

import { LiteralSet, mayMatch } from "./literal-scan.js";
import { MASK, SECRET_PATTERNS, type SecretPattern } from "./mask-patterns.js";

export { MASK, SECRET_PATTERNS, type SecretPattern };

/** Applies one pattern; the tests use it to show which pattern masks what. */
export function applyPattern(pattern: SecretPattern, text: string): string {
  return text.replace(pattern.regex, pattern.replace);
}

const LITERALS = new LiteralSet();
/** Per pattern, the literals its every match holds (`://`, `akia` or `asia`, `password` and `=`…). */
const NEEDS = SECRET_PATTERNS.map((pattern) => LITERALS.need(pattern.regex));

/**
 * Most texts hold no secret: a pattern whose literals the text lacks cannot match and is
 * not run. What each pattern sees is the text as the patterns before it left it, so the
 * text is scanned again after a pattern changed it.
 */
function maskOnce(text: string): string {
  let out = text;
  let seen = LITERALS.scan(out.toLowerCase());
  SECRET_PATTERNS.forEach((pattern, i) => {
    if (!mayMatch(NEEDS[i] ?? [], seen)) return;
    const next = applyPattern(pattern, out);
    if (next === out) return;
    out = next;
    seen = LITERALS.scan(out.toLowerCase());
  });
  return out;
}

/**
 * A mask can change what a later pattern sees next to it: `AKIA…EXAMPLE--password x` has
 * no option after a word character, `AKIA***--password x` does. So the patterns run again
 * until nothing changes (one extra pass in practice), which is what makes masking
 * idempotent. The bound only guards against a pattern that would never settle.
 */
const MAX_PASSES = 4;

/** The text with every secret the patterns know replaced by MASK; masking twice changes nothing. */
export function maskSecrets(text: string): string {
  let out = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = maskOnce(out);
    if (next === out) break;
    out = next;
  }
  return out;
}
