/**
 * OAuth discovery as an MCP client walks it: the 401 challenge, RFC 9728 protected resource
 * metadata, RFC 8414 authorization server metadata, registration, and where OAuth is off.
 */
import { DENIED_MESSAGE } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { authorizeUrl, configWith, edge, ORIGIN, oauthKv, pkce, REDIRECT_URI, register } from "./oauth-flow.js";

const initialize = { jsonrpc: "2.0", id: 1, method: "tools/list" };
const post = (fetch: ReturnType<typeof edge>, headers: Record<string, string> = {}) =>
  fetch(`${ORIGIN}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(initialize),
  });

describe("OAuth discovery", () => {
  it("answers a request without credentials with the usual 401, naming the resource metadata", async () => {
    const response = await post(edge());
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="la-telecommande", resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp", scope="mcp"`,
    );
    expect(await response.json()).toMatchObject({ error: { code: -32001, message: DENIED_MESSAGE } });
  });

  it("keeps the plain challenge where OAuth is off (no OAUTH_KV binding)", async () => {
    const response = await post(edge(undefined, { OAUTH_KV: undefined }));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="la-telecommande"');
  });

  it("publishes RFC 9728 metadata for <origin>/mcp", async () => {
    const response = await edge()(`${ORIGIN}/.well-known/oauth-protected-resource/mcp`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: `${ORIGIN}/mcp`,
      authorization_servers: [ORIGIN],
      scopes_supported: ["mcp"],
      bearer_methods_supported: ["header"],
      resource_name: "La Télécommande",
    });
  });

  it("publishes RFC 8414 metadata: PKCE S256 only, registration, client ID metadata documents", async () => {
    const response = await edge()(`${ORIGIN}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/authorize`,
      token_endpoint: `${ORIGIN}/oauth/token`,
      registration_endpoint: `${ORIGIN}/oauth/register`,
      code_challenge_methods_supported: ["S256"],
      scopes_supported: ["mcp"],
      response_types_supported: ["code"],
      protected_resources: [`${ORIGIN}/mcp`],
      client_id_metadata_document_supported: true,
    });
  });

  it("registers a client dynamically (RFC 7591)", async () => {
    const fetch = edge();
    const clientId = await register(fetch, "Registered App");
    const page = await fetch(authorizeUrl(clientId, (await pkce()).challenge));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Registered App");
    expect(html).toContain("127.0.0.1");
    expect(html).toContain('<label for="credential">');
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(html).toContain('"Segoe UI"'); // the page's own CSS goes in unescaped
  });

  it("requires PKCE: a request without a code challenge goes back to the client with an error", async () => {
    const fetch = edge();
    const clientId = await register(fetch);
    const response = await fetch(authorizeUrl(clientId, null));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_request");
  });

  it("renders an unknown client locally and never redirects to it", async () => {
    const response = await edge()(authorizeUrl("no-such-client", (await pkce()).challenge));
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("Invalid client_id");
  });

  it("escapes what a client says about itself", async () => {
    const fetch = edge();
    const clientId = await register(fetch, '<script>alert("x")</script>');
    const html = await (await fetch(authorizeUrl(clientId, (await pkce()).challenge))).text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });

  it("serves no OAuth in open mode (no users: nobody to sign in as)", async () => {
    const open = edge(configWith(undefined));
    expect((await open(`${ORIGIN}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
    expect((await open(`${ORIGIN}/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect((await post(open)).status).toBe(200);
  });

  it("uses the project's KV binding", () => {
    expect(oauthKv()).toBeDefined();
  });
});
