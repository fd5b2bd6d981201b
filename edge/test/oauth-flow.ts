/**
 * @module An OAuth client for the edge tests, speaking plain HTTP to the Worker under test:
 * dynamic registration, PKCE S256, the /authorize forms as a browser posts them (cookies
 * carried by hand), and the code exchange.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { app } from "../src/app.js";
import type { EdgeEnv } from "../src/env.js";

export const ORIGIN = "http://127.0.0.1:8787";
export const REDIRECT_URI = "http://127.0.0.1:9999/callback";

/** alice reaches vm1+vm2 (dev), bob vm3 (ops), root everything and may issue login codes. */
export const OAUTH_CONFIG = configWith([
  { name: "alice", api_key: "alice-key", groups: ["dev"] },
  { name: "bob", api_key: "bob-key", groups: ["ops"] },
  { name: "root", api_key: "root-key", groups: ["dev", "ops"], admin: true },
]);

export function configWith(users: object[] | undefined): string {
  return JSON.stringify({
    vms: [
      { name: "vm1", host: "10.0.0.1", user: "ubuntu" },
      { name: "vm2", host: "10.0.0.2", user: "ubuntu" },
      { name: "vm3", host: "10.0.0.3", user: "root" },
    ],
    groups: [
      { name: "dev", vms: ["vm1", "vm2"] },
      { name: "ops", vms: ["vm3"] },
    ],
    ...(users ? { users } : {}),
  });
}

/** The project's KV binding, as the Worker sees it. */
export const oauthKv = () => (env as EdgeEnv).OAUTH_KV;

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** The Worker with a given config (and any other binding overrides). */
export function edge(config = OAUTH_CONFIG, overrides: Partial<EdgeEnv> = {}): Fetch {
  return async (input, init) =>
    app.request(input, init, { ...env, CONFIG_YAML: config, ...overrides }, createExecutionContext());
}

const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

export interface Pkce {
  verifier: string;
  challenge: string;
}

export async function pkce(): Promise<Pkce> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: b64url(digest) };
}

export async function register(fetch: Fetch, name = "Edge Test Client"): Promise<string> {
  const response = await fetch(`${ORIGIN}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: name, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { client_id: string }).client_id;
}

export function authorizeUrl(clientId: string, challenge: string | null, state = "st-1"): string {
  const url = new URL(`${ORIGIN}/authorize`);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("redirect_uri", REDIRECT_URI);
  url.searchParams.set("scope", "mcp");
  url.searchParams.set("state", state);
  url.searchParams.set("resource", `${ORIGIN}/mcp`);
  if (challenge) {
    url.searchParams.set("code_challenge", challenge);
    url.searchParams.set("code_challenge_method", "S256");
  }
  return url.href;
}

const cookiesOf = (response: Response) =>
  response.headers
    .getAll("set-cookie")
    .map((c: string) => c.split(";")[0] ?? "")
    .join("; ");

const FORM = { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN };

/** Posts the sign-in form; the consent page (or the sign-in page with its error). */
export async function signIn(fetch: Fetch, url: string, credential: string) {
  const response = await fetch(url, { method: "POST", headers: FORM, body: new URLSearchParams({ credential }) });
  const html = await response.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1];
  return { response, html, handle, cookie: cookiesOf(response) };
}

/** Posts Allow or Deny; the redirect back to the client. */
export async function decide(fetch: Fetch, handle: string, cookie: string, decision: "allow" | "deny") {
  const response = await fetch(`${ORIGIN}/authorize`, {
    method: "POST",
    headers: { ...FORM, cookie },
    body: new URLSearchParams({ handle, decision }),
  });
  return { response, location: response.headers.get("location") };
}

export async function exchange(fetch: Fetch, clientId: string, code: string, verifier: string): Promise<Response> {
  return fetch(`${ORIGIN}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
      resource: `${ORIGIN}/mcp`,
    }),
  });
}

export interface Issued {
  clientId: string;
  access_token: string;
  refresh_token: string;
}

/** The whole flow for one credential: the tokens for the user it names. */
export async function tokensFor(fetch: Fetch, credential: string): Promise<Issued> {
  const clientId = await register(fetch);
  const { verifier, challenge } = await pkce();
  const signedIn = await signIn(fetch, authorizeUrl(clientId, challenge), credential);
  if (!signedIn.handle) throw new Error(`no consent page: ${signedIn.html}`);
  const { location } = await decide(fetch, signedIn.handle, signedIn.cookie, "allow");
  const code = new URL(location ?? "").searchParams.get("code");
  if (!code) throw new Error(`no code in ${location}`);
  const tokens = (await (await exchange(fetch, clientId, code, verifier)).json()) as Omit<Issued, "clientId">;
  return { clientId, ...tokens };
}

export async function tokenFor(fetch: Fetch, credential: string): Promise<string> {
  return (await tokensFor(fetch, credential)).access_token;
}

export function refresh(fetch: Fetch, clientId: string, refreshToken: string): Promise<Response> {
  return fetch(`${ORIGIN}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId }),
  });
}

/** An MCP SDK client presenting a bearer credential to the Worker with `fetch`'s config. */
export async function mcpWith(fetch: Fetch, bearer: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${ORIGIN}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
    fetch: (url, init) => fetch(String(url), init),
  });
  const client = new Client({ name: "oauth-edge-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}
