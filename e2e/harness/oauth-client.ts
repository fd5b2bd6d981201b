/**
 * @module An MCP client signing in with OAuth the way a desktop app does: the SDK's own flow
 * (`OAuthClientProvider`: dynamic registration, PKCE, tokens kept in memory), a loopback
 * redirect URI served here, and the /authorize pages driven in headless Chromium.
 */
import { createServer, type Server } from "node:http";
import { type OAuthClientProvider, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import type { Browser, Page } from "playwright-core";
import { freePort } from "./ports.js";

/** The app's side of one sign-in session: what the SDK asks a provider to keep. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  private client: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = "";
  /** The URL the SDK sent the user to, once it did. */
  authorizationUrl: URL | undefined;

  constructor(private readonly callbackUrl: string) {}

  get redirectUrl(): string {
    return this.callbackUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "E2E Desktop Client",
      redirect_uris: [this.callbackUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The loopback redirect URI: records every redirect that reaches it. */
export interface Callback {
  url: string;
  /** Every redirect received, in order. */
  received: URL[];
  /** The next redirect to arrive. */
  next(): Promise<URL>;
  close(): Promise<void>;
}

export async function startCallback(): Promise<Callback> {
  const port = await freePort();
  const received: URL[] = [];
  const waiting: ((url: URL) => void)[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    if (url.pathname !== "/callback") {
      res.writeHead(404).end();
      return;
    }
    received.push(url);
    for (const resolve of waiting.splice(0)) resolve(url);
    res.writeHead(200, { "content-type": "text/plain" }).end("Signed in; you may close this window.\n");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}/callback`,
    received,
    next: () => new Promise((resolve) => waiting.push(resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Starts the SDK's flow against `mcpUrl`: the first connect gets the 401, discovers, registers
 * and hands the authorization URL to the provider (and fails with UnauthorizedError).
 */
export async function beginSignIn(
  mcpUrl: string,
  provider: MemoryOAuthProvider,
): Promise<StreamableHTTPClientTransport> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: "e2e-oauth", version: "1.0.0" });
  await client.connect(transport).then(
    () => {
      throw new Error("connected without signing in");
    },
    (error: unknown) => {
      if (!(error instanceof UnauthorizedError)) throw error;
    },
  );
  if (!provider.authorizationUrl) throw new Error("the SDK never asked to open the authorization page");
  return transport;
}

/** A connected MCP client using the provider's tokens. */
export async function connectWithTokens(mcpUrl: string, provider: MemoryOAuthProvider): Promise<Client> {
  const client = new Client({ name: "e2e-oauth", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return client;
}

export interface PageVisit {
  page: Page;
  close(): Promise<void>;
}

/** Opens the authorization page in a fresh browser context (its own cookies) and signs in. */
export async function signInInBrowser(browser: Browser, url: URL, credential: string): Promise<PageVisit> {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const page = await context.newPage();
  await page.goto(url.href);
  await page.getByLabel("API key or one-time login code").fill(credential);
  await page.getByRole("button", { name: "Continue" }).click();
  // The next page is either consent (Allow) or the sign-in form again with its error.
  await page.locator('button[value="allow"], [role="alert"]').first().waitFor();
  return { page, close: () => context.close() };
}
