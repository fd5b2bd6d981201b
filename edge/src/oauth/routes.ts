/**
 * @module The OAuth routes: discovery (RFC 9728 protected resource metadata, RFC 8414
 * authorization server metadata), token and revocation, dynamic client registration (the
 * library serves them), the /authorize page and the login codes endpoint. Where OAuth is off
 * (no OAUTH_KV, open mode, a refused host) they fall through to the app's 404.
 */
import { type Context, Hono } from "hono";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { authorizeRoute } from "./authorize.js";
import { loginCodesRoute } from "./login-codes.js";
import { oauthSite, REGISTER_PATH, TOKEN_PATH } from "./server.js";

export const oauthRoute = new Hono<{ Bindings: EdgeEnv }>();

const PROTECTED_RESOURCE = "/.well-known/oauth-protected-resource";
const AUTHORIZATION_SERVER = "/.well-known/oauth-authorization-server";

/** Hono types the runtime's context with its own (older) interface; it is the same object. */
const runtimeCtx = (c: Context<{ Bindings: EdgeEnv }>) => c.executionCtx as unknown as ExecutionContext;

for (const path of [PROTECTED_RESOURCE, `${PROTECTED_RESOURCE}/*`]) {
  oauthRoute.all(path, async (c, next) => {
    const site = oauthSite(c.req.url, c.env, await loadEdgeConfig(c.env));
    if (!site) return next();
    return site.resourceServer.fetch(c.req.raw, c.env, runtimeCtx(c));
  });
}

for (const path of [AUTHORIZATION_SERVER, `${AUTHORIZATION_SERVER}/*`, TOKEN_PATH, REGISTER_PATH]) {
  oauthRoute.all(path, async (c, next) => {
    const site = oauthSite(c.req.url, c.env, await loadEdgeConfig(c.env));
    if (!site) return next();
    return site.authorizationServer.fetch(c.req.raw, c.env, runtimeCtx(c));
  });
}

oauthRoute.route("/", authorizeRoute);
oauthRoute.route("/", loginCodesRoute);
