/**
 * @module A fleet with policy, served by the Worker under test with its own CONFIG_YAML
 * (the project's TEST_CONFIG has none). VMs vm1 and vm2 are the ones the FakeAgent serves.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { app } from "../src/app.js";
import { MCP_URL } from "./fixtures.js";

/**
 * dave: read-only everywhere (viewers). erin: vm1 through "prod" (allow + deny; vm1 has
 * sudo: false and a non-root user). frank and hank: vm2 through "careful" (confirm). gina:
 * viewers + "open", so vm2 is writable for her and vm1 read-only.
 */
export const POLICY_CONFIG = JSON.stringify({
  vms: [
    { name: "vm1", host: "10.0.0.1", user: "ubuntu", sudo: false },
    { name: "vm2", host: "10.0.0.2", user: "root" },
  ],
  groups: [
    { name: "viewers", vms: ["vm1", "vm2"], read_only: true },
    {
      name: "prod",
      vms: ["vm1"],
      allow: ["systemctl status *", "rm -rf /tmp/*", "echo *"],
      deny: ["rm -rf *", "/\\bshutdown\\b/"],
    },
    { name: "careful", vms: ["vm2"], confirm: "destructive" },
    { name: "open", vms: ["vm2"] },
  ],
  users: [
    { name: "dave", api_key: "dave-key", groups: ["viewers"] },
    { name: "erin", api_key: "erin-key", groups: ["prod"] },
    { name: "frank", api_key: "frank-key", groups: ["careful"] },
    { name: "hank", api_key: "hank-key", groups: ["careful"] },
    { name: "gina", api_key: "gina-key", groups: ["viewers", "open"] },
  ],
});

/** An SDK client whose requests reach the Worker with POLICY_CONFIG. */
export async function policyClient(key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
    fetch: async (url, init) =>
      app.request(String(url), init, { ...env, CONFIG_YAML: POLICY_CONFIG }, createExecutionContext()),
  });
  const client = new Client({ name: "policy-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
