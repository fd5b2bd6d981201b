/**
 * @module /authorize: the library validates the request (client, exact redirect URI, PKCE
 * S256, resource), this page signs the person in with an API key or a one-time login code,
 * shows what the grant reaches, and completes or declines it.
 *
 * GET shows the sign-in form; its POST (same URL, same query) checks the credential and opens
 * a consent transaction (`beginConsent`: a single-use handle bound to this browser by a
 * `__Host-` cookie, ten minutes). The user it resolved to is kept server-side under the
 * handle's hash, never in the form. The consent POST carries only the handle and the choice.
 */
import { AuthorizationError, CimdFetchError, type OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { DENIED_MESSAGE, sha256Hex } from "@telecommande/shared";
import type { Context } from "hono";
import { Hono } from "hono";
import { type Caller, callerForUser, resolveCaller } from "../auth/caller.js";
import type { EdgeConfig } from "../config/edge-config.js";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { RATE_PERIOD_S } from "../http/rate-limit.js";
import { SIGN_IN_LIMITED, signInLimited } from "../http/sign-in-limit.js";
import { log } from "../log.js";
import { looksLikeLoginCode, redeemLoginCode } from "./login-codes.js";
import { consentPage, PAGE_HEADERS, problemPage, signInPage } from "./page.js";
import { AUTHORIZE_PATH, type GrantProps, MCP_SCOPE, oauthSite } from "./server.js";

type Ctx = Context<{ Bindings: EdgeEnv }>;

const CONSENT_USER_TTL_S = 600;
const consentUserKey = async (handle: string) => `consent-user:${await sha256Hex(handle)}`;

export const authorizeRoute = new Hono<{ Bindings: EdgeEnv }>();

async function page(body: ReturnType<typeof consentPage>, status: 200 | 400 | 403 | 429 = 200, extra?: Headers) {
  const headers = new Headers(extra);
  for (const [name, value] of Object.entries(PAGE_HEADERS)) headers.set(name, value);
  headers.set("Content-Type", "text/html; charset=utf-8");
  return new Response(String(await body), { status, headers });
}

/**
 * Form posts come from this page only: a browser names the origin of a form it submits, and
 * another site's form would name its own (login CSRF). The consent step is bound further by
 * the library's handle and cookie.
 */
function sameOriginPost(c: Ctx): boolean {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  return origin === undefined || origin === new URL(c.req.url).origin;
}

/** Errors the library expects: redirect back only when it validated where to. */
async function failure(c: Ctx, error: unknown): Promise<Response> {
  if (error instanceof AuthorizationError) {
    if (error.redirectTo) return c.redirect(error.redirectTo, 302);
    return page(problemPage("This sign-in cannot continue", `${error.description}. Start again from your app.`), 400);
  }
  if (error instanceof CimdFetchError) {
    log("warn", "oauth_cimd_failed", { reason: error.reason, url: error.metadataUrl, detail: error.detail });
    return page(problemPage("This app could not be verified", "Its metadata document could not be fetched."), 400);
  }
  throw error;
}

async function setup(c: Ctx): Promise<{ oauth: OAuthHelpers; config: EdgeConfig } | Response> {
  const config = await loadEdgeConfig(c.env);
  const site = oauthSite(c.req.url, c.env, config);
  if (!site) {
    return page(problemPage("Sign-in is not available", "OAuth is not enabled on this server."), 400);
  }
  return { oauth: site.authorizationServer.getOAuthApi(c.env), config };
}

/** A configured API key, else a login code; null when neither names a configured user. */
async function callerForCredential(c: Ctx, config: EdgeConfig, credential: string): Promise<Caller | null> {
  const trimmed = credential.trim();
  if (!trimmed || /\s/.test(trimmed)) return null;
  const byKey = await resolveCaller(config, trimmed);
  if (byKey) return byKey;
  if (!c.env.OAUTH_KV || !looksLikeLoginCode(trimmed)) return null;
  const user = await redeemLoginCode(c.env.OAUTH_KV, trimmed);
  return user ? callerForUser(config, user) : null;
}

authorizeRoute.get(AUTHORIZE_PATH, async (c) => {
  const ready = await setup(c);
  if (ready instanceof Response) return ready;
  try {
    const request = await ready.oauth.parseAuthRequest(c.req.raw);
    return page(signInPage(await ready.oauth.describeConsent(request)));
  } catch (error) {
    return failure(c, error);
  }
});

authorizeRoute.post(AUTHORIZE_PATH, async (c) => {
  if (!sameOriginPost(c)) return page(problemPage("Request refused", "This form must be sent from its own page."), 403);
  const ready = await setup(c);
  if (ready instanceof Response) return ready;
  const { oauth, config } = ready;
  const kv = c.env.OAUTH_KV as KVNamespace;
  const form = await c.req.formData();
  const handle = form.get("handle");
  try {
    if (typeof handle === "string") return await decide(c, oauth, config, kv, handle, form.get("decision"));
    const request = await oauth.parseAuthRequest(c.req.raw);
    const details = await oauth.describeConsent(request);
    if (await signInLimited(c)) {
      return page(signInPage(details, SIGN_IN_LIMITED), 429, new Headers({ "Retry-After": String(RATE_PERIOD_S) }));
    }
    const credential = form.get("credential");
    const caller = typeof credential === "string" ? await callerForCredential(c, config, credential) : null;
    if (!caller) {
      log("warn", "oauth_sign_in_denied", { client: details.clientId });
      return page(signInPage(details, DENIED_MESSAGE), 403);
    }
    const consent = await oauth.beginConsent(request);
    await kv.put(await consentUserKey(consent.handle), caller.name, { expirationTtl: CONSENT_USER_TTL_S });
    return page(consentPage(details, caller, consent.handle), 200, consent.headers);
  } catch (error) {
    return failure(c, error);
  }
});

async function decide(
  c: Ctx,
  oauth: OAuthHelpers,
  config: EdgeConfig,
  kv: KVNamespace,
  handle: string,
  decision: unknown,
): Promise<Response> {
  const key = await consentUserKey(handle);
  const user = await kv.get(key);
  if (decision !== "allow") {
    const denied = await oauth.denyConsent(c.req.raw, handle);
    await kv.delete(key);
    log("info", "oauth_consent_denied", { user, client: denied.request.clientId });
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const approved = await oauth.approveConsent(c.req.raw, handle, { scope: [MCP_SCOPE] });
  await kv.delete(key);
  // The user may have been removed from the config while the page was open.
  const caller = user ? callerForUser(config, user) : null;
  if (!caller) return page(problemPage("Access not granted", DENIED_MESSAGE), 403, approved.headers);
  const props: GrantProps = { user: caller.name };
  const { redirectTo } = await oauth.completeAuthorization({
    request: approved.request,
    // The library's ids must not contain ":"; the name itself travels in the encrypted props.
    userId: encodeURIComponent(caller.name),
    metadata: { user: caller.name },
    scope: [MCP_SCOPE],
    props,
  });
  log("info", "oauth_granted", { user: caller.name, client: approved.request.clientId });
  approved.headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers: approved.headers });
}
