/** @module Constant-time comparison of secrets, through their SHA-256 digests. */
import { sha256Hex } from "@telecommande/shared";

const encoder = new TextEncoder();

/** Equal-length inputs compared without an early exit (digests make lengths equal). */
export function digestsEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.byteLength !== y.byteLength) return false;
  return crypto.subtle.timingSafeEqual(x, y);
}

/** Finds the entry whose hash matches the secret, checking every entry so timing reveals nothing. */
export async function findBySecret<T>(secret: string, entries: T[], hashOf: (entry: T) => string): Promise<T | null> {
  const digest = await sha256Hex(secret);
  let found: T | null = null;
  for (const entry of entries) {
    if (digestsEqual(digest, hashOf(entry)) && found === null) found = entry;
  }
  return found;
}
