/**
 * @module Whether a config without `users` (permissions off, every VM open) may be served.
 * Only where nobody else can reach the edge — loopback, as `wrangler dev` and the demo
 * serve — or when the operator opted in: on a public URL it would hand every VM to anyone.
 */
import type { EdgeEnv } from "../env.js";

export const OPEN_MODE_REFUSED =
  "this server has no users in its config and is not on loopback: add users, or set ALLOW_ANONYMOUS=true to serve everyone";

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h === "[::1]" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** True when an open config may answer a request to this URL. */
export function openModeAllowed(requestUrl: string, env: Pick<EdgeEnv, "ALLOW_ANONYMOUS">): boolean {
  if (env.ALLOW_ANONYMOUS?.trim().toLowerCase() === "true") return true;
  try {
    return isLoopbackHost(new URL(requestUrl).hostname);
  } catch {
    return false;
  }
}
