/**
 * A grant is a configured user: the token names the user, whose permissions come from the
 * config in force at each request. Sign-in, consent, Deny, and the tokens' binding.
 */
import { DENIED_MESSAGE, TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import {
  authorizeUrl,
  configWith,
  decide,
  edge,
  exchange,
  mcpWith,
  ORIGIN,
  pkce,
  refresh,
  register,
  signIn,
  tokenFor,
  tokensFor,
} from "./oauth-flow.js";

const vmsOf = async (fetch: ReturnType<typeof edge>, token: string) => {
  const client = await mcpWith(fetch, token);
  const result = await client.callTool({ name: TOOL_NAMES.listVms, arguments: {} });
  await client.close();
  return (result.structuredContent as { vms: string[] }).vms;
};

const mcpStatus = async (fetch: ReturnType<typeof edge>, authorization: string) => {
  const response = await fetch(`${ORIGIN}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  return { status: response.status, body: await response.text() };
};

describe("OAuth grants", () => {
  it("signs in with an API key, shows the user's VMs and groups, and issues a token for that user", async () => {
    const fetch = edge();
    const clientId = await register(fetch, "Le Chat");
    const { verifier, challenge } = await pkce();
    const signedIn = await signIn(fetch, authorizeUrl(clientId, challenge, "state-42"), "alice-key");
    expect(signedIn.response.status).toBe(200);
    expect(signedIn.html).toContain("act as alice");
    expect(signedIn.html).toMatch(/<li>vm1<\/li><li>vm2<\/li>/);
    expect(signedIn.html).not.toContain("vm3");
    expect(signedIn.html).toContain("<dd>dev</dd>");
    expect(signedIn.html).not.toContain("alice-key");
    expect(signedIn.response.headers.get("set-cookie")).toContain("__Host-oauth-consent");

    const { response, location } = await decide(fetch, signedIn.handle ?? "", signedIn.cookie, "allow");
    expect(response.status).toBe(302);
    const redirect = new URL(location ?? "");
    expect(redirect.searchParams.get("state")).toBe("state-42");
    expect(redirect.searchParams.get("iss")).toBe(ORIGIN);
    const tokens = await exchange(fetch, clientId, redirect.searchParams.get("code") ?? "", verifier);
    expect(tokens.status).toBe(200);
    const body = (await tokens.json()) as { access_token: string; scope: string; resource: string };
    expect(body.scope).toBe("mcp");
    expect(body.resource).toBe(`${ORIGIN}/mcp`);
    expect(await vmsOf(fetch, body.access_token)).toEqual(["vm1", "vm2"]);
  });

  it("refuses a wrong code verifier (PKCE)", async () => {
    const fetch = edge();
    const clientId = await register(fetch);
    const { challenge } = await pkce();
    const signedIn = await signIn(fetch, authorizeUrl(clientId, challenge), "alice-key");
    const { location } = await decide(fetch, signedIn.handle ?? "", signedIn.cookie, "allow");
    const code = new URL(location ?? "").searchParams.get("code") ?? "";
    const response = await exchange(fetch, clientId, code, (await pkce()).verifier);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("re-resolves the user at every request: changed groups apply, a removed user is denied", async () => {
    const token = await tokenFor(edge(), "bob-key");
    expect(await vmsOf(edge(), token)).toEqual(["vm3"]);

    const promoted = configWith([
      { name: "alice", api_key: "alice-key", groups: ["dev"] },
      { name: "bob", api_key: "bob-key", groups: ["dev", "ops"] },
    ]);
    expect(await vmsOf(edge(promoted), token)).toEqual(["vm1", "vm2", "vm3"]);

    const removed = configWith([{ name: "alice", api_key: "alice-key", groups: ["dev"] }]);
    const denied = await mcpStatus(edge(removed), `Bearer ${token}`);
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body)).toMatchObject({ error: { code: -32001, message: DENIED_MESSAGE } });
  });

  it("refreshes a configured user's grant, and ends the grant of a user the config dropped", async () => {
    const issued = await tokensFor(edge(), "bob-key");
    const renewed = await refresh(edge(), issued.clientId, issued.refresh_token);
    expect(renewed.status).toBe(200);
    const next = (await renewed.json()) as { access_token: string; refresh_token: string };
    expect(await vmsOf(edge(), next.access_token)).toEqual(["vm3"]);

    const removed = configWith([{ name: "alice", api_key: "alice-key", groups: ["dev"] }]);
    const refused = await refresh(edge(removed), issued.clientId, next.refresh_token);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
    // The grant is gone: bob back in the config does not revive it.
    expect((await refresh(edge(), issued.clientId, next.refresh_token)).status).toBe(400);
    expect((await mcpStatus(edge(), `Bearer ${next.access_token}`)).status).toBe(401);
  });

  it("binds tokens to this origin's /mcp: another origin of the same edge does not accept them", async () => {
    const fetch = edge();
    const token = await tokenFor(fetch, "alice-key");
    const elsewhere = await fetch("http://localhost:8787/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(elsewhere.status).toBe(401);
    expect((await mcpStatus(fetch, `Bearer ${token}`)).status).toBe(200);
  });

  it("denies a made-up token of the issued shape, with the standard message", async () => {
    const denied = await mcpStatus(edge(), "Bearer alice:grant:secret");
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body)).toMatchObject({ error: { code: -32001, message: DENIED_MESSAGE } });
  });

  it("says the denial message for a wrong API key and opens no consent", async () => {
    const fetch = edge();
    const clientId = await register(fetch);
    const signedIn = await signIn(fetch, authorizeUrl(clientId, (await pkce()).challenge), "not-a-key");
    expect(signedIn.response.status).toBe(403);
    expect(signedIn.html).toContain(DENIED_MESSAGE);
    expect(signedIn.handle).toBeUndefined();
    expect(signedIn.response.headers.get("set-cookie")).toBeNull();
  });

  it("sends access_denied back to the client on Deny, and the handle is spent", async () => {
    const fetch = edge();
    const clientId = await register(fetch);
    const signedIn = await signIn(fetch, authorizeUrl(clientId, (await pkce()).challenge, "s-deny"), "alice-key");
    const { response, location } = await decide(fetch, signedIn.handle ?? "", signedIn.cookie, "deny");
    expect(response.status).toBe(302);
    const redirect = new URL(location ?? "");
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("state")).toBe("s-deny");
    expect(redirect.searchParams.get("code")).toBeNull();
    const again = await decide(fetch, signedIn.handle ?? "", signedIn.cookie, "allow");
    expect(again.response.status).toBe(400);
    expect(again.location).toBeNull();
  });

  it("refuses the consent post without the browser's binding cookie", async () => {
    const fetch = edge();
    const clientId = await register(fetch);
    const signedIn = await signIn(fetch, authorizeUrl(clientId, (await pkce()).challenge), "alice-key");
    const { response, location } = await decide(fetch, signedIn.handle ?? "", "", "allow");
    expect(response.status).toBe(400);
    expect(location).toBeNull();
  });

  it("refuses a sign-in form posted from another site", async () => {
    const fetch = edge();
    const clientId = await register(fetch);
    const response = await fetch(authorizeUrl(clientId, (await pkce()).challenge), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: new URLSearchParams({ credential: "alice-key" }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain("handle");
  });

  it("keeps static API keys working exactly as before", async () => {
    expect((await mcpStatus(edge(), "Bearer alice-key")).status).toBe(200);
    expect((await mcpStatus(edge(), "alice-key")).status).toBe(200);
    expect((await mcpStatus(edge(), "Bearer wrong")).status).toBe(401);
  });
});
