/**
 * @module Who is making an HTTP request to a protected route (/mcp, /status.json): one
 * place that reads the request's credentials, so every route accepts the same ones.
 */
import type { EdgeConfig } from "../config/edge-config.js";
import type { EdgeEnv } from "../env.js";
import { type Caller, resolveCaller } from "./caller.js";

/**
 * The caller for a request's `Authorization: Bearer …` (a configured API key), or null when
 * access must be denied. Open mode (no `users` key) makes everyone the anonymous caller.
 */
export async function callerFromRequest(request: Request, _env: EdgeEnv, config: EdgeConfig): Promise<Caller | null> {
  return resolveCaller(config, request.headers.get("authorization"));
}
