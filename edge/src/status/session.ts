/**
 * @module The status page's browser session: a cookie `<claims>.<HMAC-SHA256>` (base64url)
 * naming the admin and an expiry, signed with the edge's confirmation key (policy/confirm-key.ts:
 * the CONFIRM_SECRET secret, else derived from the config's key digests, so every isolate
 * agrees and rotating a key signs everyone out). Its own context prefix keeps a session and
 * a confirmation token from ever passing for each other. The cookie only names the user:
 * each request checks that user against the config in force (removed or no longer admin:
 * signed out).
 */
import type { EdgeConfig } from "../config/edge-config.js";
import { confirmKey } from "../policy/confirm-key.js";

export const SESSION_COOKIE = "tlc_status";
export const SESSION_TTL_MS = 12 * 3600_000;

const CONTEXT = "la-telecommande status session v1.";
const encoder = new TextEncoder();

interface SessionClaims {
  user: string;
  /** Epoch ms. */
  expires: number;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export async function signSession(config: EdgeConfig, user: string, now = Date.now()): Promise<string> {
  const claims = base64url(encoder.encode(JSON.stringify({ user, expires: now + SESSION_TTL_MS })));
  const mac = await crypto.subtle.sign("HMAC", await confirmKey(config), encoder.encode(CONTEXT + claims));
  return `${claims}.${base64url(new Uint8Array(mac))}`;
}

/** The user a session cookie names, or null when it is forged, altered, expired or malformed. */
export async function verifySession(config: EdgeConfig, value: string, now = Date.now()): Promise<string | null> {
  const [claims, mac, extra] = value.split(".");
  if (!claims || !mac || extra !== undefined || value.length > 2_000) return null;
  const signature = fromBase64url(mac);
  if (!signature) return null;
  const ok = await crypto.subtle.verify("HMAC", await confirmKey(config), signature, encoder.encode(CONTEXT + claims));
  if (!ok) return null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(fromBase64url(claims) ?? new Uint8Array())) as SessionClaims;
    if (typeof parsed.user !== "string" || typeof parsed.expires !== "number") return null;
    return now < parsed.expires ? parsed.user : null;
  } catch {
    return null;
  }
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
