/**
 * Sign-in attempts per client address: over the allowance the three credential forms
 * (/authorize, /status/login, /oauth/login-codes) answer 429 with Retry-After before looking at
 * the credential, so even a right key is refused; another address is not concerned.
 * Cloudflare's Rate Limiting binding cannot be driven to its limit quickly here, so the
 * Worker gets a stand-in of its documented API (`limit({ key }) → { success }`).
 */
import { describe, expect, it } from "vitest";
import { SIGN_IN_LIMITED } from "../src/http/sign-in-limit.js";
import { limiterStandIn } from "./limiter-stand-in.js";
import { authorizeUrl, edge, OAUTH_CONFIG, ORIGIN, pkce, register, signIn } from "./oauth-flow.js";

const FROM = (address: string) => ({ "cf-connecting-ip": address, origin: ORIGIN });

describe("sign-in attempts per address", () => {
  it("/status/login: the attempt over the allowance is refused even with an admin key; other addresses sign in", async () => {
    const { limiter, counts } = limiterStandIn(2);
    const fetch = edge(OAUTH_CONFIG, { SIGN_INS: limiter });
    const login = (key: string, address: string) =>
      fetch(`${ORIGIN}/status/login`, {
        method: "POST",
        headers: FROM(address),
        body: new URLSearchParams({ api_key: key }),
      });
    expect((await login("wrong", "192.0.2.7")).status).toBe(401);
    expect((await login("root-key", "192.0.2.7")).status).toBe(303);
    const refused = await login("root-key", "192.0.2.7");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.headers.get("set-cookie")).toBeNull();
    expect(await refused.text()).toContain(SIGN_IN_LIMITED);
    expect((await login("root-key", "198.51.100.9")).status).toBe(303);
    expect([...counts.keys()]).toEqual(["sign-in:192.0.2.7", "sign-in:198.51.100.9"]);
  });

  it("/authorize: the credential step over the allowance shows the limit and opens no consent", async () => {
    const { limiter } = limiterStandIn(0);
    const fetch = edge(OAUTH_CONFIG, { SIGN_INS: limiter });
    const url = authorizeUrl(await register(fetch), (await pkce()).challenge);
    const { response, html, handle } = await signIn(fetch, url, "alice-key");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("60");
    expect(html).toContain(SIGN_IN_LIMITED);
    expect(handle).toBeUndefined();
  });

  it("/oauth/login-codes: over the allowance even an admin gets 429 and no code", async () => {
    const { limiter } = limiterStandIn(0);
    const fetch = edge(OAUTH_CONFIG, { SIGN_INS: limiter });
    const res = await fetch(`${ORIGIN}/oauth/login-codes`, {
      method: "POST",
      headers: { authorization: "Bearer root-key", "content-type": "application/json" },
      body: JSON.stringify({ user: "alice" }),
    });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: SIGN_IN_LIMITED });
  });

  it("a limiter that fails lets the sign-in through (it guards the edge, it must not take it down)", async () => {
    const broken = { limit: async () => Promise.reject(new Error("limiter down")) } as unknown as RateLimit;
    const fetch = edge(OAUTH_CONFIG, { SIGN_INS: broken });
    const res = await fetch(`${ORIGIN}/status/login`, {
      method: "POST",
      headers: FROM("192.0.2.7"),
      body: new URLSearchParams({ api_key: "root-key" }),
    });
    expect(res.status).toBe(303);
  });
});
