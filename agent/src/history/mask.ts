/**
 * @module Secret masking for the history: every command and output passes through
 * `maskSecrets` before it is stored, embedded or exported, so a password typed on a
 * command line or printed by a config dump never becomes searchable. The patterns and
 * why each looks the way it does are in mask-patterns.ts.
 */
import { MASK, SECRET_PATTERNS, type SecretPattern } from "./mask-patterns.js";

export { MASK, SECRET_PATTERNS, type SecretPattern };

/** Applies one pattern; the tests use it to show which pattern masks what. */
export function applyPattern(pattern: SecretPattern, text: string): string {
  return text.replace(pattern.regex, pattern.replace);
}

function maskOnce(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = applyPattern(pattern, out);
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
