/**
 * @module The Worker's environment: bindings and vars from wrangler.toml (generated types)
 * plus the secrets an operator sets with `wrangler secret put`, which the file cannot list.
 */
export interface EdgeSecrets {
  /** The whole config (YAML or JSON), as the original's config.yaml. Takes precedence over URL. */
  CONFIG_YAML?: string;
  /** The original's config fetch: `${URL}/${VERSION}/${CONFIG_FILENAME}` with `X-API-Key: ${API_KEY}`. */
  URL?: string;
  VERSION?: string;
  CONFIG_FILENAME?: string;
  API_KEY?: string;
  /** Token of the agent "default" when the config has no `agents` list. */
  AGENT_TOKEN?: string;
}

/** Optional vars an operator sets only to change a default (absent from wrangler.toml on purpose). */
export interface EdgeOptions {
  /** "true" serves a config without `users` on a non-loopback URL: every VM open to anyone. */
  ALLOW_ANONYMOUS?: string;
}

export type EdgeEnv = Cloudflare.Env & EdgeSecrets & EdgeOptions;
