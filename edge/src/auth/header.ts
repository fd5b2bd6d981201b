/**
 * @module Reads the caller's API key from `Authorization: Bearer <key>`, or from a header that
 * is a single word (a raw key, as the original accepted). Anything else carries no key: a
 * header under another scheme (`Basic …`) must never be compared as if it were a key.
 */

export function parseAuthorization(value: string | null | undefined): string | null {
  const header = value?.trim();
  if (!header) return null;
  const words = header.split(/\s+/);
  const [scheme, token] = words;
  if (words.length === 1) return /^bearer$/i.test(header) ? null : header;
  if (words.length === 2 && scheme && token && /^bearer$/i.test(scheme)) return token;
  return null;
}
