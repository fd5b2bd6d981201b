/** @module Configs and helpers shared by the edge tests that run inside workerd. */

import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export { AGENT_TOKEN, TEST_CONFIG } from "./config.js";

export const MCP_URL = "http://127.0.0.1:8787/mcp";

export function mcpPost(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(MCP_URL, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** An official MCP SDK client whose HTTP goes straight into the Worker under test. */
export async function mcpClient(authorization?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: authorization ? { headers: { Authorization: authorization } } : {},
    fetch: (url, init) => SELF.fetch(url, init),
  });
  const client = new Client({ name: "edge-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

export function textOf(result: object): string {
  const content = ((result as { content?: unknown }).content ?? []) as { type: string; text?: string }[];
  return content.map((c) => c.text ?? "").join("");
}
