/**
 * @module One-time confirmation tokens, signed so a stateless edge can check them on any
 * isolate (signed-claims.ts), the claims binding the caller, the tool, a
 * digest of the call's canonical arguments (token left out), an expiry and a random nonce.
 * The nonce makes each token single-use (see nonce-store.ts). WebCrypto: runs in workerd.
 */
import { base64url, signClaims, verifyClaims } from "./signed-claims.js";

export const CONFIRM_TTL_MS = 5 * 60_000;

export interface TokenClaims {
  caller: string;
  tool: string;
  /** SHA-256 hex of the canonical JSON of the arguments without the token. */
  args: string;
  /** Epoch ms. */
  expires: number;
  nonce: string;
}

/** Domain separation: this key signs nothing else, but a prefix keeps that true later. */
const CONTEXT = "la-telecommande confirmation v1.";

const encoder = new TextEncoder();

/** JSON with keys sorted at every level and undefined left out: one text per meaning. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export async function argsDigest(args: Record<string, unknown>): Promise<string> {
  const { confirmation_token: _token, ...rest } = args;
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(canonicalJson(rest)));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function hmacKey(material: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export function newNonce(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}

export function signToken(key: CryptoKey, claims: TokenClaims): Promise<string> {
  return signClaims(key, CONTEXT, claims);
}

/** The claims of a token this key signed; null for anything else (forged, altered, garbage). */
export async function verifyToken(key: CryptoKey, token: string): Promise<TokenClaims | null> {
  const claims = (await verifyClaims(key, CONTEXT, token)) as Partial<TokenClaims> | null;
  if (!claims || typeof claims !== "object") return null;
  const { caller, tool, args, expires, nonce } = claims;
  if (typeof caller !== "string" || typeof tool !== "string" || typeof args !== "string") return null;
  if (typeof expires !== "number" || typeof nonce !== "string") return null;
  return { caller, tool, args, expires, nonce };
}
