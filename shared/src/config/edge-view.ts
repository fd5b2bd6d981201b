/**
 * @module What the edge may know of a config: no private key material, API keys as
 * SHA-256 digests only. Launchers hand the edge this view, never the full file.
 */
import type { Config } from "./schema.js";

/** Lower-case hex SHA-256 of a UTF-8 string (Web Crypto: same code in Node and workerd). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Drops keys, key paths and passphrases; replaces plain API keys by their digests. */
export async function edgeView(config: Config): Promise<Config> {
  const vms = config.vms.map(({ key: _k, key_path: _p, passphrase: _s, ...vm }) => vm);
  const users = config.users
    ? await Promise.all(
        config.users.map(async ({ api_key, ...user }) => ({
          ...user,
          api_key_sha256: user.api_key_sha256 ?? (api_key ? await sha256Hex(api_key) : undefined),
        })),
      )
    : undefined;
  return { ...config, vms, ...(users ? { users } : {}) };
}
