/**
 * @module The fleet status page, for admins (`admin: true` users) only:
 *   GET  /status.json   the data, for monitoring (Authorization: Bearer <key>)
 *   GET  /status        the page (a sign-in form without a session); with
 *                       Accept: application/json, the page's view for its live refresh
 *   POST /status/login  API key → session cookie (HttpOnly, SameSite=Strict, Path=/status)
 *   POST /status/logout clears it
 * Every denial reads DENIED_MESSAGE: 401 without valid credentials, 403 for a caller who is
 * not an admin. Open mode (no users) has no admins. The POSTs take a browser Origin that
 * the host guard allows and nothing else (with the SameSite=Strict cookie: no CSRF).
 */
import { DENIED_MESSAGE } from "@telecommande/shared";
import { type Context, Hono } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Caller } from "../auth/caller.js";
import { callerForUser } from "../auth/caller.js";
import { callerFromRequest } from "../auth/request-caller.js";
import type { EdgeConfig } from "../config/edge-config.js";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { hostGuard } from "../http/host-guard.js";
import { SIGN_IN_LIMITED, signInLimited } from "../http/sign-in-limit.js";
import { log } from "../log.js";
import { contentSecurityPolicy } from "./assets.js";
import { collectStatus } from "./data.js";
import { SignInPage, StatusPage } from "./page.js";
import { sessionCookie, sessionFromCookies, signSession, verifySession } from "./session.js";
import { pageView } from "./view.js";

type Ctx = Context<{ Bindings: EdgeEnv }>;
type Access = { ok: true; caller: Caller; session: boolean } | { ok: false; status: 401 | 403 };

export const statusRoute = new Hono<{ Bindings: EdgeEnv }>();

statusRoute.use("/status", hostGuard);
statusRoute.use("/status.json", hostGuard);
statusRoute.use("/status/*", hostGuard);

function verdict(caller: Caller | null, session: boolean): Access {
  if (!caller) return { ok: false, status: 401 };
  return caller.admin ? { ok: true, caller, session } : { ok: false, status: 403 };
}

/** The admin behind a request: its Authorization header when it has one, else its session cookie. */
async function access(c: Ctx): Promise<Access> {
  const config = await loadEdgeConfig(c.env);
  if (c.req.header("authorization") !== undefined) {
    return verdict(await callerFromRequest(c.req.raw, c.env, config), false);
  }
  const cookie = sessionFromCookies(c.req.header("cookie"));
  const user = cookie && config.permissions ? await verifySession(config, cookie) : null;
  return verdict(user === null ? null : callerForUser(config, user), true);
}

/** The caller a typed key stands for, read the way a Bearer header is (a key no header can carry is no key). */
async function callerForKey(c: Ctx, config: EdgeConfig, key: string): Promise<Caller | null> {
  if (!key) return null;
  try {
    const asHeader = new Request(c.req.url, { headers: { authorization: `Bearer ${key}` } });
    return await callerFromRequest(asHeader, c.env, config);
  } catch {
    return null;
  }
}

function secureRequest(c: Ctx): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** Headers every status answer carries: never cached, never framed. */
function noStore(c: Ctx): void {
  c.header("Cache-Control", "no-store");
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
  // Not no-referrer: under it a browser sends `Origin: null` with the sign-in form, which the guard refuses.
  c.header("Referrer-Policy", "same-origin");
}

async function html(c: Ctx, page: HtmlEscapedString | Promise<HtmlEscapedString>, status: 200 | 401 | 403 | 429 = 200) {
  noStore(c);
  c.header("Content-Security-Policy", await contentSecurityPolicy());
  return c.html(`<!doctype html>${await page}`, status);
}

function denied(c: Ctx, status: 401 | 403) {
  noStore(c);
  if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="la-telecommande"');
  return c.json({ error: DENIED_MESSAGE }, status);
}

/** A POST must come from a page of this edge: the host guard checked the Origin; it must be there. */
function crossSite(c: Ctx): boolean {
  return c.req.header("origin") === undefined;
}

statusRoute.get("/status.json", async (c) => {
  const who = await access(c);
  if (!who.ok) return denied(c, who.status);
  noStore(c);
  return c.json(await collectStatus(c.env, await loadEdgeConfig(c.env)));
});

statusRoute.get("/status", async (c) => {
  const who = await access(c);
  const wantsJson = (c.req.header("accept") ?? "").includes("application/json");
  if (!who.ok) {
    // A session that no longer holds (expired, user removed, no longer admin) is dropped.
    if (sessionFromCookies(c.req.header("cookie"))) c.header("Set-Cookie", sessionCookie("", secureRequest(c), 0));
    if (wantsJson) return denied(c, who.status);
    return html(c, <SignInPage error={null} />, who.status);
  }
  const view = pageView(await collectStatus(c.env, await loadEdgeConfig(c.env)));
  if (wantsJson) {
    noStore(c);
    return c.json(view);
  }
  return html(c, <StatusPage view={view} user={who.caller.name} signOut={who.session} />);
});

statusRoute.post("/status/login", async (c) => {
  if (crossSite(c)) return denied(c, 403);
  if (await signInLimited(c)) return html(c, <SignInPage error={SIGN_IN_LIMITED} />, 429);
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const key = typeof form.api_key === "string" ? form.api_key.trim() : "";
  const config = await loadEdgeConfig(c.env);
  const who = verdict(await callerForKey(c, config, key), true);
  if (!who.ok) {
    log("warn", "status_sign_in_refused", { status: who.status });
    return html(c, <SignInPage error={DENIED_MESSAGE} />, who.status);
  }
  log("info", "status_signed_in", { user: who.caller.name });
  noStore(c);
  c.header("Set-Cookie", sessionCookie(await signSession(config, who.caller.name), secureRequest(c)));
  return c.redirect("/status", 303);
});

statusRoute.post("/status/logout", (c) => {
  if (crossSite(c)) return denied(c, 403);
  noStore(c);
  c.header("Set-Cookie", sessionCookie("", secureRequest(c), 0));
  return c.redirect("/status", 303);
});
