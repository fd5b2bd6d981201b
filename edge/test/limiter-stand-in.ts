/**
 * A stand-in of the Workers Rate Limiting binding's documented API (`limit({ key }) →
 * { success }`): Cloudflare's binding cannot be driven to its limit quickly in tests.
 * It lets `allowance` calls through per key, then refuses, and records the keys asked.
 */
export function limiterStandIn(allowance: number): { limiter: RateLimit; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const limiter = {
    limit: async ({ key }: { key: string }) => {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { success: n <= allowance };
    },
  } as unknown as RateLimit;
  return { limiter, counts };
}
