/**
 * @module The Worker's environment: bindings and vars from wrangler.toml (generated types)
 * plus the secrets an operator sets with `wrangler secret put`, which the file cannot list.
 */
import type { ConfirmNonces } from "./policy/nonce-store.js";

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
  /** Signs confirmation tokens (policy `confirm: destructive`); derived from the config when unset. */
  CONFIRM_SECRET?: string;
}

/** Bindings of the policy, declared here until `wrangler types` is run again. */
export interface PolicyBindings {
  /**
   * Used confirmation-token nonces, one ConfirmNonces object per caller (wrangler.toml).
   * Optional for hand-built test envs; without it no token is accepted.
   */
  CONFIRM_NONCES?: DurableObjectNamespace<ConfirmNonces>;
}

/** Sign-in attempts per client address (wrangler.toml `[[ratelimits]]`); without it, unlimited. */
export interface SignInBindings {
  SIGN_INS?: RateLimit;
}

/** OAuth storage (wrangler.toml `[[kv_namespaces]]`): grants, tokens, clients, login codes. Without it OAuth is off. */
export interface OAuthBindings {
  OAUTH_KV?: KVNamespace;
}

/** Optional vars an operator sets only to change a default (absent from wrangler.toml on purpose). */
export interface EdgeOptions {
  /** "true" serves a config without `users` on a non-loopback URL: every VM open to anyone. */
  ALLOW_ANONYMOUS?: string;
  /** Answer bytes one agent's hub holds for jobs in flight before it refuses new ones (default 64 MiB). */
  HUB_MAX_ANSWER_BYTES?: string;
}

export type EdgeEnv = Cloudflare.Env & EdgeSecrets & EdgeOptions & PolicyBindings & OAuthBindings & SignInBindings;
