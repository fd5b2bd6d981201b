/**
 * Tool calls per API key: over its allowance a caller gets HTTP 429 with Retry-After, and
 * nothing runs. Cloudflare's Rate Limiting binding cannot be driven to its limit quickly
 * here, so the Worker's app gets a stand-in of the binding's documented API
 * (`limit({ key }) → { success }`); wrangler.toml's real binding is what `wrangler dev`
 * and the e2e stack run with.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.js";
import { RATE_LIMITED } from "../src/http/rate-limit.js";
import { MCP_URL } from "./fixtures.js";
import { limiterStandIn } from "./limiter-stand-in.js";

async function post(limiter: RateLimit, key: string, body: unknown): Promise<Response> {
  const request = new Request(MCP_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${key}`,
    },
    body: JSON.stringify(body),
  });
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, CALLS_PER_KEY: limiter }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const listVms = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "ssh_list_vms", arguments: {} },
});

describe("tool calls per API key", () => {
  it("answers 429 with Retry-After once a key is over its allowance, per key, counting only tool calls", async () => {
    const { limiter, counts } = limiterStandIn(2);
    expect((await post(limiter, "alice-key", listVms(1))).status).toBe(200);
    expect((await post(limiter, "alice-key", listVms(2))).status).toBe(200);
    const refused = await post(limiter, "alice-key", listVms(3));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(await refused.json()).toEqual({ jsonrpc: "2.0", error: { code: -32000, message: RATE_LIMITED }, id: null });
    // Another key has its own allowance; listing tools is not a tool call.
    expect((await post(limiter, "bob-key", listVms(4))).status).toBe(200);
    expect((await post(limiter, "alice-key", { jsonrpc: "2.0", id: 5, method: "tools/list" })).status).toBe(200);
    expect(Object.fromEntries(counts)).toEqual({ alice: 3, bob: 1 });
  });

  it("lets calls through when the limiter itself fails", async () => {
    const broken = { limit: async () => Promise.reject(new Error("limiter down")) } as unknown as RateLimit;
    expect((await post(broken, "alice-key", listVms(1))).status).toBe(200);
  });
});
