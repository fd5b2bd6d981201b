/** @module Checks on text parameters that end up in commands, paths or messages. */

/** A C0 control character or DEL: a newline, NUL, an escape sequence's start, a tab. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
