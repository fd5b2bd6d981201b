/** @module Reads the caller's API key from `Authorization: Bearer <key>` or a raw key, as the original. */

export function parseAuthorization(value: string | null | undefined): string | null {
  const header = value?.trim();
  if (!header) return null;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  const key = (bearer ? bearer[1] : header)?.trim();
  return key ? key : null;
}
