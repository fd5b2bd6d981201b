/**
 * @module The key that signs confirmation tokens. The Worker secret CONFIRM_SECRET when set
 * (`wrangler secret put CONFIRM_SECRET`); otherwise derived from the config, so every isolate
 * agrees without shared state: from the parts no caller knows (the digests of every API key
 * and agent token, and AGENT_TOKEN). Changing those (or the secret) voids pending tokens.
 * `env` comes from `cloudflare:workers` because the MCP server is built per request
 * without the request's env; secrets are the same for every request of a deployment.
 */
import { env } from "cloudflare:workers";
import type { EdgeConfig } from "../config/edge-config.js";
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import { canonicalJson, hmacKey } from "./confirm-token.js";

const keys = new WeakMap<EdgeConfig, Promise<CryptoKey>>();

export async function deriveConfirmKey(config: EdgeConfig, secret?: string, agentToken?: string): Promise<CryptoKey> {
  const encoder = new TextEncoder();
  if (secret) return hmacKey(encoder.encode(secret));
  const material = canonicalJson({
    users: config.users.map((u) => [u.name, u.keyHash]),
    agents: (config.agents ?? []).map((a) => [a.name, a.tokenHash]),
    agent_token: agentToken ?? null,
  });
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`la-telecommande confirm key v1\n${material}`));
  return hmacKey(new Uint8Array(digest));
}

/** The key for this config, derived once per config and isolate. */
export function confirmKey(config: EdgeConfig): Promise<CryptoKey> {
  let key = keys.get(config);
  if (!key) {
    const { CONFIRM_SECRET, AGENT_TOKEN } = env as unknown as EdgeEnv;
    if (!CONFIRM_SECRET) {
      // Once per config and isolate: anyone who has read the config (digests included) could sign tokens.
      log("warn", "confirm_secret_missing", {
        message:
          "confirmation tokens are signed with a key derived from the config; set the CONFIRM_SECRET secret (wrangler secret put CONFIRM_SECRET) so a config leak cannot forge them",
      });
    }
    key = deriveConfirmKey(config, CONFIRM_SECRET, AGENT_TOKEN);
    keys.set(config, key);
  }
  return key;
}
