/**
 * @module One-time login codes: an admin issues one for a named user (`POST /oauth/login-codes`
 * with the admin's own API key), and that user types it on /authorize instead of an API key,
 * for a device that should never hold the key. Valid ten minutes, used once, kept in OAUTH_KV
 * only as its SHA-256.
 *
 * Single use is a read then a delete, which KV cannot make atomic across locations: two
 * sign-ins racing with one code in different places could both pass. The code is 120 random
 * bits, seen only by the admin and the user, and lives ten minutes.
 */
import { DENIED_MESSAGE, sha256Hex } from "@telecommande/shared";
import { Hono } from "hono";
import { callerForUser, resolveCaller } from "../auth/caller.js";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { hostGuard } from "../http/host-guard.js";
import { SIGN_IN_LIMITED, signInLimited } from "../http/sign-in-limit.js";
import { log } from "../log.js";

export const LOGIN_CODE_TTL_S = 600;
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_GROUPS = 6;
const GROUP_LENGTH = 4;

interface StoredCode {
  user: string;
  expires_at: string;
}

/** A code like `K7QX-M2ZD-…`: 24 characters from an alphabet without look-alikes (I/1, O/0). */
function newCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CODE_GROUPS * GROUP_LENGTH));
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]);
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += GROUP_LENGTH) groups.push(chars.slice(i, i + GROUP_LENGTH).join(""));
  return groups.join("-");
}

/** Typed by a person: case, spaces and dashes do not matter. */
function normalize(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, "");
}

const keyOf = async (code: string) => `login-code:${await sha256Hex(normalize(code))}`;

/** Whether a credential has the shape of a login code (so an API key never costs a KV read). */
export function looksLikeLoginCode(credential: string): boolean {
  const n = normalize(credential);
  return n.length === CODE_GROUPS * GROUP_LENGTH && [...n].every((c) => ALPHABET.includes(c));
}

/** Issues a code for `user`; the caller checked that the config has that user. */
export async function issueLoginCode(kv: KVNamespace, user: string): Promise<{ code: string; expiresAt: string }> {
  const code = newCode();
  const expiresAt = new Date(Date.now() + LOGIN_CODE_TTL_S * 1000).toISOString();
  const stored: StoredCode = { user, expires_at: expiresAt };
  await kv.put(await keyOf(code), JSON.stringify(stored), { expirationTtl: LOGIN_CODE_TTL_S });
  return { code, expiresAt };
}

/** The user a code was issued for, consuming it; null for an unknown, used or expired code. */
export async function redeemLoginCode(kv: KVNamespace, code: string): Promise<string | null> {
  if (!looksLikeLoginCode(code)) return null;
  const key = await keyOf(code);
  const stored = await kv.get<StoredCode>(key, "json");
  if (!stored) return null;
  await kv.delete(key);
  return Date.parse(stored.expires_at) > Date.now() ? stored.user : null;
}

export const loginCodesRoute = new Hono<{ Bindings: EdgeEnv }>();

loginCodesRoute.use("/oauth/login-codes", hostGuard);

/**
 * Only an admin's API key issues codes, never an OAuth token: minting a credential for
 * someone else needs the key itself, not a grant made for the MCP endpoint.
 */
loginCodesRoute.post("/oauth/login-codes", async (c) => {
  const config = await loadEdgeConfig(c.env);
  const kv = c.env.OAUTH_KV;
  if (!kv || !config.permissions) {
    return c.json({ error: "login codes need OAuth: an OAUTH_KV binding and a config with users" }, 404);
  }
  if (await signInLimited(c)) return c.json({ error: SIGN_IN_LIMITED }, 429);
  const admin = await resolveCaller(config, c.req.header("authorization"));
  if (!admin) {
    c.header("WWW-Authenticate", 'Bearer realm="la-telecommande"');
    return c.json({ error: DENIED_MESSAGE }, 401);
  }
  if (!admin.admin) return c.json({ error: DENIED_MESSAGE }, 403);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ error: 'the body must be JSON: {"user": "<configured user name>"}' }, 400);
  }
  const user = (body as { user?: unknown } | null)?.user;
  if (typeof user !== "string" || !callerForUser(config, user)) {
    return c.json({ error: 'the body must name a configured user: {"user": "<name>"}' }, 400);
  }
  const { code, expiresAt } = await issueLoginCode(kv, user);
  log("info", "login_code_issued", { by: admin.name, user });
  return c.json({ code, user, expires_at: expiresAt }, 201);
});
