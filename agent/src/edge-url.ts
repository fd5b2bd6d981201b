/** @module Where the agent dials the edge, and how that address may appear in a log. */

/** Edge base URL → its agent endpoint: http→ws, https→wss, path `/agent/connect`. Throws on a bad URL. */
export function agentConnectUrl(edgeUrl: string): URL {
  let url: URL;
  try {
    url = new URL(edgeUrl);
  } catch {
    throw new Error(`edge URL "${edgeUrl}" is not a valid URL (expected e.g. http://127.0.0.1:8787)`);
  }
  const schemes: Record<string, string> = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" };
  const scheme = schemes[url.protocol];
  if (!scheme) throw new Error(`edge URL "${url.protocol}//…" must use http, https, ws or wss`);
  url.protocol = scheme;
  const base = url.pathname.replace(/\/+$/, "");
  url.pathname = base.endsWith("/agent/connect") ? base : `${base}/agent/connect`;
  url.search = "";
  url.hash = "";
  return url;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h === "[::1]" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Why the agent must not dial this edge, or null. The agent sends its token when it
 * connects: over ws:// to another machine anyone on the path could read it and serve as
 * the agent's edge, so plain text is for loopback unless the operator says otherwise.
 */
export function insecureEdgeProblem(edgeUrl: string, allowInsecure: boolean): string | null {
  const url = agentConnectUrl(edgeUrl);
  if (allowInsecure || url.protocol === "wss:" || isLoopback(url.hostname)) return null;
  const given = new URL(edgeUrl);
  const shown = `${given.protocol}//${given.host}${given.pathname === "/" ? "" : given.pathname}`;
  return `edge URL ${shown} is not encrypted and not on loopback: the agent token would cross the network in clear; use https://${given.host}${given.pathname === "/" ? "" : given.pathname} (or pass --allow-insecure-edge, env TELECOMMANDE_ALLOW_INSECURE_EDGE=true, if the link is protected otherwise)`;
}

/** The URL as it may appear in a log: no user info. */
export function displayUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  return copy.toString();
}
