/** One-time login codes: issued by an admin for a named user, good once on /authorize. */
import { DENIED_MESSAGE, sha256Hex, TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import {
  authorizeUrl,
  decide,
  edge,
  type Fetch,
  mcpWith,
  ORIGIN,
  oauthKv,
  pkce,
  register,
  signIn,
  tokenFor,
} from "./oauth-flow.js";

const issue = (fetch: Fetch, authorization: string | null, body: unknown) =>
  fetch(`${ORIGIN}/oauth/login-codes`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });

describe("login codes", () => {
  it("an admin issues a code for a user: ten minutes, stored only as its hash", async () => {
    const before = Date.now();
    const response = await issue(edge(), "Bearer root-key", { user: "bob" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { code: string; user: string; expires_at: string };
    expect(body.user).toBe("bob");
    expect(body.code).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
    const ttl = Date.parse(body.expires_at) - before;
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(601_000);
    const keys = (await oauthKv()?.list({ prefix: "login-code:" }))?.keys.map((k: { name: string }) => k.name) ?? [];
    expect(keys).toContain(`login-code:${await sha256Hex(body.code.replaceAll("-", ""))}`);
    expect(keys.join()).not.toContain(body.code);
  });

  it("refuses non-admins (403) and unknown keys (401) with the denial message", async () => {
    const asAlice = await issue(edge(), "Bearer alice-key", { user: "bob" });
    expect(asAlice.status).toBe(403);
    expect(await asAlice.json()).toEqual({ error: DENIED_MESSAGE });
    const anonymous = await issue(edge(), null, { user: "bob" });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: DENIED_MESSAGE });
  });

  it("accepts no OAuth token in place of the admin's key", async () => {
    const fetch = edge();
    const token = await tokenFor(fetch, "root-key");
    const client = await mcpWith(fetch, token);
    await client.close();
    expect((await issue(fetch, `Bearer ${token}`, { user: "bob" })).status).toBe(401);
  });

  it("names the problem with the body", async () => {
    const unknown = await issue(edge(), "Bearer root-key", { user: "mallory" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toContain("configured user");
  });

  it("signs the named user in once; the second use is denied", async () => {
    const fetch = edge();
    const { code } = (await (await issue(fetch, "Bearer root-key", { user: "bob" })).json()) as { code: string };
    const clientId = await register(fetch);
    const first = await signIn(fetch, authorizeUrl(clientId, (await pkce()).challenge), code.toLowerCase());
    expect(first.response.status).toBe(200);
    expect(first.html).toContain("act as bob");
    expect(first.html).toContain("<li>vm3</li>");

    const second = await signIn(fetch, authorizeUrl(clientId, (await pkce()).challenge), code);
    expect(second.response.status).toBe(403);
    expect(second.html).toContain(DENIED_MESSAGE);
    expect(second.handle).toBeUndefined();
  });

  it("grants the code's user exactly their permissions", async () => {
    const fetch = edge();
    const { code } = (await (await issue(fetch, "Bearer root-key", { user: "alice" })).json()) as { code: string };
    const clientId = await register(fetch);
    const { verifier, challenge } = await pkce();
    const signedIn = await signIn(fetch, authorizeUrl(clientId, challenge), code);
    const { location } = await decide(fetch, signedIn.handle ?? "", signedIn.cookie, "allow");
    const token = await fetch(`${ORIGIN}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: new URL(location ?? "").searchParams.get("code") ?? "",
        redirect_uri: "http://127.0.0.1:9999/callback",
        client_id: clientId,
        code_verifier: verifier,
      }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const client = await mcpWith(fetch, access_token);
    const result = await client.callTool({ name: TOOL_NAMES.listVms, arguments: {} });
    expect(result.structuredContent).toEqual({ vms: ["vm1", "vm2"] });
    await client.close();
  });
});
