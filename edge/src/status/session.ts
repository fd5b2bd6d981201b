/**
 * @module The status page's browser session: a cookie of signed claims (policy/signed-claims.ts)
 * naming the admin and an expiry, signed with the edge's confirmation key (policy/confirm-key.ts:
 * the CONFIRM_SECRET secret, else derived from the config's key digests, so every isolate
 * agrees and rotating a key signs everyone out). Its own context prefix keeps a session and
 * a confirmation token from ever passing for each other. The cookie only names the user:
 * each request checks that user against the config in force (removed or no longer admin:
 * signed out).
 */
import type { EdgeConfig } from "../config/edge-config.js";
import { confirmKey } from "../policy/confirm-key.js";
import { signClaims, verifyClaims } from "../policy/signed-claims.js";

export const SESSION_COOKIE = "tlc_status";
export const SESSION_TTL_MS = 12 * 3600_000;

const CONTEXT = "la-telecommande status session v1.";

interface SessionClaims {
  user: string;
  /** Epoch ms. */
  expires: number;
}

export async function signSession(config: EdgeConfig, user: string, now = Date.now()): Promise<string> {
  const claims: SessionClaims = { user, expires: now + SESSION_TTL_MS };
  return signClaims(await confirmKey(config), CONTEXT, claims);
}

/** The user a session cookie names, or null when it is forged, altered, expired or malformed. */
export async function verifySession(config: EdgeConfig, value: string, now = Date.now()): Promise<string | null> {
  if (value.length > 2_000) return null;
  const claims = (await verifyClaims(await confirmKey(config), CONTEXT, value)) as Partial<SessionClaims> | null;
  if (!claims || typeof claims.user !== "string" || typeof claims.expires !== "number") return null;
  return now < claims.expires ? claims.user : null;
}

/** The Set-Cookie value: HttpOnly, SameSite=Strict, only under /status, Secure over https. */
export function sessionCookie(value: string, secure: boolean, maxAgeS = SESSION_TTL_MS / 1000): string {
  const parts = [`${SESSION_COOKIE}=${value}`, "Path=/status", "HttpOnly", "SameSite=Strict", `Max-Age=${maxAgeS}`];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

/** The session cookie's value in a Cookie header, if any. */
export function sessionFromCookies(header: string | undefined): string | null {
  for (const part of (header ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=") || null;
  }
  return null;
}
