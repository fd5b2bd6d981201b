/**
 * @module OAuth end to end: the MCP SDK client's own sign-in against wrangler dev, the
 * /authorize pages in headless Chromium, and the grant acting as exactly its user on real VMs.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DENIED_MESSAGE, TOOL_NAMES } from "@telecommande/shared";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshotPath } from "./harness/browser.js";
import { expectDenied, expectOk, runCommand, runOk } from "./harness/expect-tool.js";
import {
  ALL_VMS,
  callTool,
  GROUPS,
  jsonRpcOf,
  MCP_POST_HEADERS,
  rawRequest,
  sshdAvailable,
  VM,
} from "./harness/index.js";
import {
  beginSignIn,
  type Callback,
  connectWithTokens,
  MemoryOAuthProvider,
  signInInBrowser,
  startCallback,
} from "./harness/oauth-client.js";
import { useStack } from "./harness/use-stack.js";

const listOf = async (client: Client) =>
  [...expectOk<{ vms: string[] }>(await callTool(client, TOOL_NAMES.listVms)).vms].sort();

describe.skipIf(!sshdAvailable())("OAuth sign-in (MCP SDK client, Chromium, wrangler dev)", () => {
  const env = useStack({ permissions: true });
  let browser: Browser;
  let callback: Callback;
  const clients: Client[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    callback = await startCallback();
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await browser?.close();
    await callback?.close();
  });

  const issueLoginCode = async (adminKey: string, user: string) => {
    const response = await fetch(`${env.stack.edge.url}/oauth/login-codes`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ user }),
    });
    return { status: response.status, body: (await response.json()) as { code?: string; error?: string } };
  };

  /** The SDK's whole flow with one credential typed on the page; a client on the grant. */
  const signInWith = async (credential: string, screenshot?: string) => {
    const provider = new MemoryOAuthProvider(callback.url);
    const transport = await beginSignIn(env.stack.edge.mcpUrl, provider);
    const visit = await signInInBrowser(browser, provider.authorizationUrl as URL, credential);
    try {
      expect(await visit.page.getByRole("button", { name: "Allow" }).count()).toBe(1);
      if (screenshot) await visit.page.screenshot({ path: screenshotPath(screenshot), fullPage: true });
      const redirected = callback.next();
      await visit.page.getByRole("button", { name: "Allow" }).click();
      const code = (await redirected).searchParams.get("code");
      if (!code) throw new Error("no authorization code in the redirect");
      await transport.finishAuth(code);
    } finally {
      await visit.close();
    }
    const client = await connectWithTokens(env.stack.edge.mcpUrl, provider);
    clients.push(client);
    return { client, provider };
  };

  it("signs alice in through the SDK's flow and acts as exactly alice on the VMs", async () => {
    const { client, provider } = await signInWith(env.stack.keys.alice, "oauth-consent");
    expect(provider.tokens()?.access_token).toBeTruthy();
    expect(provider.tokens()?.access_token).not.toContain(env.stack.keys.alice);
    expect(await listOf(client)).toEqual([...GROUPS.dev].sort());
    const run = await runOk(client, VM.alpha, "echo signed-in-with-oauth");
    expect(run.stdout.trim()).toBe("signed-in-with-oauth");
    expectDenied(await runCommand(client, VM.beta, "echo nope"));
  });

  it("shows the consent page with alice's VMs and groups before anything is granted", async () => {
    const provider = new MemoryOAuthProvider(callback.url);
    await beginSignIn(env.stack.edge.mcpUrl, provider);
    const visit = await signInInBrowser(browser, provider.authorizationUrl as URL, env.stack.keys.alice);
    try {
      const page = visit.page;
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(
        "Allow E2E Desktop Client to act as alice?",
      );
      const vms = await page.locator("ul.vms li").allTextContents();
      expect(vms).toEqual([...GROUPS.dev]);
      expect(await page.locator("dl").textContent()).toContain("dev");
      expect(await page.textContent("body")).toContain("127.0.0.1");
    } finally {
      await visit.close();
    }
  });

  it("sends access_denied back on Deny and issues no token", async () => {
    const provider = new MemoryOAuthProvider(callback.url);
    await beginSignIn(env.stack.edge.mcpUrl, provider);
    const visit = await signInInBrowser(browser, provider.authorizationUrl as URL, env.stack.keys.alice);
    try {
      const redirected = callback.next();
      await visit.page.getByRole("button", { name: "Deny" }).click();
      const url = await redirected;
      expect(url.searchParams.get("error")).toBe("access_denied");
      expect(url.searchParams.get("code")).toBeNull();
      expect(provider.tokens()).toBeUndefined();
    } finally {
      await visit.close();
    }
  });

  it("says the denial message for a wrong API key, and no code reaches the app", async () => {
    const provider = new MemoryOAuthProvider(callback.url);
    await beginSignIn(env.stack.edge.mcpUrl, provider);
    const before = callback.received.length;
    const visit = await signInInBrowser(browser, provider.authorizationUrl as URL, "not-a-key-at-all");
    try {
      await expect(visit.page.getByRole("alert").textContent()).resolves.toBe(DENIED_MESSAGE);
      await visit.page.screenshot({ path: screenshotPath("oauth-sign-in-denied"), fullPage: true });
      expect(await visit.page.getByRole("button", { name: "Allow" }).count()).toBe(0);
      expect(new URL(visit.page.url()).pathname).toBe("/authorize");
      expect(callback.received.length).toBe(before);
      expect(provider.tokens()).toBeUndefined();
    } finally {
      await visit.close();
    }
  });

  it("a login code from the admin signs bob in once, and not twice", async () => {
    const refused = await issueLoginCode(env.stack.keys.alice, "bob");
    expect(refused).toEqual({ status: 403, body: { error: DENIED_MESSAGE } });
    const issued = await issueLoginCode(env.stack.keys.admin, "bob");
    expect(issued.status).toBe(201);
    const code = issued.body.code as string;

    const { client } = await signInWith(code);
    expect(await listOf(client)).toEqual([...GROUPS.ops].sort());

    const provider = new MemoryOAuthProvider(callback.url);
    await beginSignIn(env.stack.edge.mcpUrl, provider);
    const visit = await signInInBrowser(browser, provider.authorizationUrl as URL, code);
    try {
      await expect(visit.page.getByRole("alert").textContent()).resolves.toBe(DENIED_MESSAGE);
    } finally {
      await visit.close();
    }
  });

  it("keeps static API keys working in the same stack, and their 401 names the OAuth metadata", async () => {
    expect(await listOf(env.admin)).toEqual([...ALL_VMS].sort());
    const denied = await rawRequest({
      url: env.stack.edge.mcpUrl,
      method: "POST",
      headers: { ...MCP_POST_HEADERS, authorization: "Bearer wrong-key" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(denied.status).toBe(401);
    expect(jsonRpcOf(denied.body).error).toEqual({ code: -32001, message: DENIED_MESSAGE });
    expect(denied.headers["www-authenticate"]).toBe(
      `Bearer realm="la-telecommande", resource_metadata="${env.stack.edge.url}/.well-known/oauth-protected-resource/mcp", scope="mcp"`,
    );
  });
});
