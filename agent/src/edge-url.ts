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

/** The URL as it may appear in a log: no user info. */
export function displayUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  return copy.toString();
}
