/**
 * @module Where the edge finds its config: the CONFIG_YAML secret, else the original's
 * fetch of `${URL}/${VERSION}/${CONFIG_FILENAME}` with `X-API-Key`. Parsed once per
 * isolate and cached; a fetched config is refreshed after a minute.
 */
import { ConfigError, parseConfig } from "@telecommande/shared";
import type { EdgeEnv } from "../env.js";
import { buildEdgeConfig, type EdgeConfig } from "./edge-config.js";

/** The edge cannot start serving: the message is safe to log and names what to fix. */
export class EdgeConfigError extends Error {
  override name = "EdgeConfigError";
}

const FETCH_TTL_MS = 60_000;
let cached: { source: string; at: number; config: Promise<EdgeConfig> } | undefined;

async function fromText(text: string, source: string): Promise<EdgeConfig> {
  try {
    const config = await buildEdgeConfig(parseConfig(text, source));
    if (!config.permissions) {
      console.warn(
        JSON.stringify({
          level: "warn",
          event: "permissions_off",
          message: "the config has no `users`: permissions are OFF and every VM is open to any caller",
        }),
      );
    }
    return config;
  } catch (e) {
    if (e instanceof ConfigError) throw new EdgeConfigError(e.message);
    throw e;
  }
}

async function fetchText(env: EdgeEnv): Promise<{ url: string; text: string }> {
  const missing = (["URL", "VERSION", "API_KEY"] as const).filter((k) => !env[k]);
  if (missing.length) {
    throw new EdgeConfigError(
      `no config: set the CONFIG_YAML secret, or URL, VERSION and API_KEY to fetch it (missing: ${missing.join(", ")})`,
    );
  }
  const url = `${env.URL?.replace(/\/+$/, "")}/${env.VERSION}/${env.CONFIG_FILENAME || "config.yaml"}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { "X-API-Key": env.API_KEY ?? "" } });
  } catch (e) {
    throw new EdgeConfigError(`fetching the config from ${url} failed: ${(e as Error).message}`);
  }
  if (!response.ok) throw new EdgeConfigError(`fetching the config from ${url} failed: HTTP ${response.status}`);
  return { url, text: await response.text() };
}

/** The current config. Failures are not cached, so fixing a secret takes effect at once. */
export function loadEdgeConfig(env: EdgeEnv): Promise<EdgeConfig> {
  const inline = env.CONFIG_YAML;
  const source = inline ?? `fetch:${env.URL}/${env.VERSION}/${env.CONFIG_FILENAME}`;
  const fresh = inline !== undefined || (cached && Date.now() - cached.at < FETCH_TTL_MS);
  if (cached && cached.source === source && fresh) return cached.config;

  const config =
    inline !== undefined
      ? fromText(inline, "CONFIG_YAML")
      : fetchText(env).then(({ url, text }) => fromText(text, `config from ${url}`));
  const entry = { source, at: Date.now(), config };
  cached = entry;
  config.catch(() => {
    if (cached === entry) cached = undefined;
  });
  return config;
}
