/**
 * @module The OAuth 2.1 authorization server beside the static API keys.
 *
 * Hono stays in charge of the Worker (the library's combined `OAuthProvider` would own every
 * route, /agent/connect's WebSocket upgrade and open mode included): the library's role-based
 * pieces serve discovery, token, revocation and registration, the /authorize page is ours,
 * and `callerFromRequest` asks `validateToken` about bearer tokens that are not API keys.
 *
 * The library fixes the issuer and the resource at construction, while this edge answers on
 * whatever origin it is deployed to (a workers.dev name, a custom domain, wrangler dev's
 * port): one server per origin the host guard accepts, each issuing tokens bound to its own
 * `<origin>/mcp`, so a token is never accepted on another origin.
 */
import {
  GrantType,
  OAuthAuthorizationServer,
  OAuthError,
  OAuthResourceServer,
  type TokenExchangeCallbackOptions,
} from "@cloudflare/workers-oauth-provider";
import { callerForUser } from "../auth/caller.js";
import type { EdgeConfig } from "../config/edge-config.js";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { hostAllowed } from "../http/host-guard.js";
import { log } from "../log.js";

/** The one scope: use the MCP tools as the granted user, with exactly that user's permissions. */
export const MCP_SCOPE = "mcp";
export const AUTHORIZE_PATH = "/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";
export const RESOURCE_PATH = "/mcp";

/** What a grant stores: the configured user's name only, resolved again at every request. */
export interface GrantProps {
  user: string;
}

export interface OAuthSite {
  issuer: string;
  /** `<origin>/mcp`, the audience of every token this origin issues. */
  resource: string;
  /** RFC 9728 metadata URL for the resource, as the 401 challenge names it. */
  resourceMetadataUrl: string;
  authorizationServer: OAuthAuthorizationServer<EdgeEnv>;
  resourceServer: OAuthResourceServer<EdgeEnv, GrantProps>;
}

const MAX_SITES = 32;
const sites = new Map<string, OAuthSite>();

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The origin a request reached, when OAuth may be offered there: https, or http on loopback. */
function siteOrigin(requestUrl: string, env: EdgeEnv): string | null {
  const url = new URL(requestUrl);
  if (!hostAllowed(url.host, env.ALLOWED_HOSTS)) return null;
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname))) return url.origin;
  return null;
}

/**
 * A refresh for a user the config no longer has ends the grant (`invalid_grant` revokes it
 * and its tokens): its access tokens are denied at every request anyway, and the client
 * learns at once that it must sign in again.
 */
async function refuseRemovedUsers(options: TokenExchangeCallbackOptions<EdgeEnv>): Promise<void> {
  if (options.grantType !== GrantType.REFRESH_TOKEN) return;
  const config = await loadEdgeConfig(options.env);
  const user = (options.props as Partial<GrantProps> | undefined)?.user;
  if (typeof user !== "string" || !callerForUser(config, user)) {
    throw new OAuthError("invalid_grant", { description: "the signed-in user is no longer configured" });
  }
}

function buildSite(origin: string): OAuthSite {
  const resource = `${origin}${RESOURCE_PATH}`;
  const authorizationServer = new OAuthAuthorizationServer<EdgeEnv>({
    issuer: origin,
    resources: [resource],
    authorizeEndpoint: AUTHORIZE_PATH,
    tokenEndpoint: TOKEN_PATH,
    clientRegistrationEndpoint: REGISTER_PATH,
    scopesSupported: [MCP_SCOPE],
    clientIdMetadataDocumentEnabled: true,
    tokenExchangeCallback: refuseRemovedUsers,
    onError: ({ code, status, internal }) => {
      log("warn", "oauth_error", { code, status, category: internal.category, reason: internal.reason });
    },
  });
  // Only its RFC 9728 document is served from here: /mcp itself stays the MCP route, which
  // learns its caller through callerFromRequest like every protected route.
  const resourceServer = new OAuthResourceServer<EdgeEnv, GrantProps>({
    resourceMetadata: { resource, authorization_servers: [origin], resource_name: "La Télécommande" },
    requiredScopes: [MCP_SCOPE],
    validateToken: (env) => (res, token) => authorizationServer.validateToken<GrantProps>(res, token, env),
    handler: { fetch: () => new Response(null, { status: 404 }) },
  });
  return {
    issuer: origin,
    resource,
    resourceMetadataUrl: `${origin}/.well-known/oauth-protected-resource${RESOURCE_PATH}`,
    authorizationServer,
    resourceServer,
  };
}

/**
 * The OAuth site for a request, or null when OAuth is off there: no OAUTH_KV binding, a
 * config without users (open mode needs no sign-in and has no one to sign in as), or an
 * origin the host guard refuses.
 */
export function oauthSite(requestUrl: string, env: EdgeEnv, config: EdgeConfig): OAuthSite | null {
  if (!env.OAUTH_KV || !config.permissions) return null;
  const origin = siteOrigin(requestUrl, env);
  if (!origin) return null;
  let site = sites.get(origin);
  if (!site) {
    if (sites.size >= MAX_SITES) sites.clear();
    site = buildSite(origin);
    sites.set(origin, site);
  }
  return site;
}
