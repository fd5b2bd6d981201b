/**
 * @module Tool calls per API key, through the Workers Rate Limiting binding (CALLS_PER_KEY in
 * wrangler.toml). Cloudflare counts per location and approximately, so this guards against a
 * runaway client, not a precise quota. Only tools/call requests count: listing tools or a
 * client's handshake never uses a caller's allowance.
 */

/** The binding's window, as wrangler.toml sets it: a refused caller may retry after it. */
export const RATE_PERIOD_S = 60;

/** Whether `key` is over its allowance. A limiter that is absent or fails lets the call through. */
export async function overRate(limiter: RateLimit | undefined, key: string): Promise<boolean> {
  if (!limiter) return false;
  try {
    return !(await limiter.limit({ key })).success;
  } catch {
    // The limiter protects the edge; its own failure must not take the edge down.
    return false;
  }
}

export const RATE_LIMITED = `too many tool calls for this API key; retry in ${RATE_PERIOD_S} s`;
