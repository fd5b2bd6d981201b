/**
 * @module Where the edge finds its config: the CONFIG_YAML secret, else the original's
 * fetch of `${URL}/${VERSION}/${CONFIG_FILENAME}` with `X-API-Key`. Parsed once per
 * isolate and cached; a fetched config is refreshed after a minute. A fetch that fails or
 * hangs (bounded by fetchLimits.timeoutMs) never takes a running edge down: the last good
 * config keeps serving, its age in the logs, and the fetch is retried shortly.
 */
import { type Config, ConfigError, parseConfig } from "@telecommande/shared";
import { noteEdgeError } from "../edge-errors.js";
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import { buildEdgeConfig, type EdgeConfig } from "./edge-config.js";

/** The edge cannot start serving: the message is safe to log and names what to fix. */
export class EdgeConfigError extends Error {
  override name = "EdgeConfigError";
}

const FETCH_TTL_MS = 60_000;
/** How long a config fetch may take; tests shorten it. */
export const fetchLimits = { timeoutMs: 5_000 };
/** After a failed refresh, the last good config is served this long before the next try. */
const RETRY_AFTER_FAILURE_MS = 10_000;

let cached: { source: string; at: number; config: Promise<EdgeConfig> } | undefined;
const lastGood = new Map<string, { at: number; config: EdgeConfig }>();
/** Where each config in use came from and when it was read (the status page shows its age). */
const origins = new WeakMap<EdgeConfig, { source: string; loadedAt: number }>();

export function configOrigin(config: EdgeConfig): { source: string; loadedAt: number } | null {
  return origins.get(config) ?? null;
}

/** Private keys have no business at the edge: it never uses them, and a leak there leaks the fleet. */
function warnKeyMaterial(config: Config, source: string): void {
  const holders = config.vms.filter((vm) => vm.key !== undefined || vm.passphrase !== undefined).map((vm) => vm.name);
  if (!holders.length) return;
  log("error", "key_material_at_edge", {
    source,
    vms: holders.slice(0, 20),
    count: holders.length,
    message: `the config the edge loaded holds private key material (key or passphrase) for ${holders.length} VM(s); the edge never uses it and must not hold it: give the edge a config without \`key\`/\`passphrase\` and keep them in the agent's config only`,
  });
}

async function fromText(text: string, source: string): Promise<EdgeConfig> {
  try {
    const parsed = parseConfig(text, source);
    warnKeyMaterial(parsed, source);
    const config = await buildEdgeConfig(parsed);
    origins.set(config, { source, loadedAt: Date.now() });
    if (!config.permissions) {
      log("warn", "permissions_off", {
        message: "the config has no `users`: permissions are OFF and every VM is open to any caller",
      });
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
  const failed = (why: string) => new EdgeConfigError(`fetching the config from ${url} failed: ${why}`);
  const signal = AbortSignal.timeout(fetchLimits.timeoutMs);
  try {
    const response = await fetch(url, { headers: { "X-API-Key": env.API_KEY ?? "" }, signal });
    if (!response.ok) throw failed(`HTTP ${response.status}`);
    return { url, text: await response.text() };
  } catch (e) {
    if (e instanceof EdgeConfigError) throw e;
    if (signal.aborted) throw failed(`no answer within ${fetchLimits.timeoutMs / 1000} s`);
    throw failed((e as Error).message);
  }
}

/**
 * The current config. Without a last good one, failures are not cached, so fixing a secret
 * takes effect at once; with one, it keeps serving while the source is retried.
 */
export function loadEdgeConfig(env: EdgeEnv): Promise<EdgeConfig> {
  const inline = env.CONFIG_YAML;
  const source = inline ?? `fetch:${env.URL}/${env.VERSION}/${env.CONFIG_FILENAME}`;
  const fresh = inline !== undefined || (cached && Date.now() - cached.at < FETCH_TTL_MS);
  if (cached && cached.source === source && fresh) return cached.config;

  const entry = { source, at: Date.now(), config: undefined as unknown as Promise<EdgeConfig> };
  const attempt =
    inline !== undefined
      ? fromText(inline, "CONFIG_YAML")
      : fetchText(env).then(({ url, text }) => fromText(text, `config from ${url}`));
  entry.config = attempt.then(
    (config) => {
      if (inline === undefined) lastGood.set(source, { at: Date.now(), config });
      return config;
    },
    (err: unknown) => {
      const good = inline === undefined ? lastGood.get(source) : undefined;
      if (!good) {
        if (cached === entry) cached = undefined;
        throw err;
      }
      noteEdgeError("config_refresh_failed", err instanceof Error ? err.message : String(err));
      log("warn", "config_refresh_failed", {
        error: err instanceof Error ? err.message : String(err),
        serving_config_age_s: Math.round((Date.now() - good.at) / 1000),
        retry_in_s: RETRY_AFTER_FAILURE_MS / 1000,
      });
      entry.at = Date.now() - FETCH_TTL_MS + RETRY_AFTER_FAILURE_MS;
      return good.config;
    },
  );
  cached = entry;
  return entry.config;
}
