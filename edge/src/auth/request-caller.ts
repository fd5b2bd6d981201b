/**
 * @module Who is making an HTTP request to a protected route (/mcp, /status.json): one
 * place that reads the request's credentials, so every route accepts the same ones — a
 * configured API key, or an access token this edge issued through OAuth.
 */
import type { EdgeConfig } from "../config/edge-config.js";
import type { EdgeEnv } from "../env.js";
import { type GrantProps, MCP_SCOPE, oauthSite } from "../oauth/server.js";
import { type Caller, callerForUser, resolveCaller } from "./caller.js";
import { parseAuthorization } from "./header.js";

/** Issued tokens read `<user id>:<grant id>:<secret>`; anything else is not worth a KV read. */
const ISSUED_TOKEN = /^[^:\s]+:[^:\s]+:[^:\s]+$/;

/**
 * The caller for a request's `Authorization: Bearer …`, or null when access must be denied.
 * Open mode (no `users` key) makes everyone the anonymous caller. An API key is tried first
 * and behaves exactly as before; an OAuth token names its user, whose permissions come from
 * the config in force now (a removed user is denied, a changed one gets the new groups).
 */
export async function callerFromRequest(request: Request, env: EdgeEnv, config: EdgeConfig): Promise<Caller | null> {
  const authorization = request.headers.get("authorization");
  const byKey = await resolveCaller(config, authorization);
  if (byKey) return byKey;
  const token = parseAuthorization(authorization);
  if (!token || !ISSUED_TOKEN.test(token)) return null;
  const site = oauthSite(request.url, env, config);
  if (!site) return null;
  const granted = await site.authorizationServer.validateToken<GrantProps>(site.resource, token, env);
  if (!granted?.scope.includes(MCP_SCOPE) || typeof granted.props?.user !== "string") return null;
  return callerForUser(config, granted.props.user);
}

/**
 * The `WWW-Authenticate` value of a 401: the realm static keys always had, plus, where OAuth
 * is on, the RFC 9728 metadata URL and scope an MCP client starts its sign-in from.
 */
export function authChallenge(request: Request, env: EdgeEnv, config: EdgeConfig): string {
  const site = oauthSite(request.url, env, config);
  const realm = 'Bearer realm="la-telecommande"';
  return site ? `${realm}, resource_metadata="${site.resourceMetadataUrl}", scope="${MCP_SCOPE}"` : realm;
}
