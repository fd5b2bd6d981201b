/**
 * @module DNS-rebinding protection for /mcp: the Host must be loopback or allow-listed,
 * and a browser Origin, when sent, must be the edge itself, loopback or a listed origin.
 */
import type { MiddlewareHandler } from "hono";
import type { EdgeEnv } from "../env.js";
import { jsonRpcError } from "./json-rpc.js";

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  return h.replace(/:\d+$/, "");
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function matches(hostname: string, pattern: string): boolean {
  if (pattern.startsWith("*.")) return hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1;
  return hostname === pattern;
}

export function hostAllowed(hostHeader: string | undefined, allowedHosts: string | undefined): boolean {
  if (!hostHeader) return false;
  const hostname = hostnameOf(hostHeader);
  return isLoopback(hostname) || list(allowedHosts).some((p) => matches(hostname, p));
}

/**
 * A browser Origin may be the edge's own host (the request's Host), loopback, or a listed
 * origin. Not every allowed host: `*.workers.dev` in ALLOWED_HOSTS would otherwise let any
 * page served from workers.dev drive a logged-in browser's calls.
 */
export function originAllowed(
  origin: string,
  requestHost: string | undefined,
  env: Pick<EdgeEnv, "ALLOWED_ORIGINS">,
): boolean {
  if (list(env.ALLOWED_ORIGINS).includes(origin.toLowerCase())) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (isLoopback(url.hostname)) return true;
  return requestHost !== undefined && url.host === sameSchemeHost(url.protocol, requestHost);
}

/** The Host header as a URL of that scheme writes it: lower case, its default port dropped. */
function sameSchemeHost(protocol: string, hostHeader: string): string | null {
  try {
    return new URL(`${protocol}//${hostHeader.trim()}`).host;
  } catch {
    return null;
  }
}

export const hostGuard: MiddlewareHandler<{ Bindings: EdgeEnv }> = async (c, next) => {
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  if (!hostAllowed(host, c.env.ALLOWED_HOSTS)) {
    return c.json(jsonRpcError(-32000, "Forbidden: host not allowed"), 403);
  }
  const origin = c.req.header("origin");
  if (origin !== undefined && !originAllowed(origin, host, c.env)) {
    return c.json(jsonRpcError(-32000, "Forbidden: origin not allowed"), 403);
  }
  await next();
};
