/**
 * @module The HTTP and JSON-RPC surface of /mcp: methods, DNS-rebinding protection
 * (Host and Origin), malformed requests, wrong parameter types and unknown tools. After
 * each bad request the server must still serve normal calls.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_NAMES } from "@telecommande/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runOk } from "./harness/expect-tool.js";
import {
  authHeaders,
  callTool,
  jsonRpcOf,
  MCP_POST_HEADERS,
  type RawResponse,
  rawRequest,
  type Stack,
  sshdAvailable,
  startStack,
  stopAllStacks,
  textOf,
  VM,
} from "./harness/index.js";

const rpc = (id: number, method: string, params: unknown = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });
const INITIALIZE = rpc(1, "initialize", {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "raw", version: "0" },
});

/** A failure either as a JSON-RPC error (thrown by the SDK) or as an isError result. */
async function failureText(call: Promise<CallToolResult>): Promise<string> {
  try {
    const result = await call;
    expect(result.isError, `expected a failure, got ${textOf(result).slice(0, 300)}`).toBe(true);
    return textOf(result);
  } catch (error) {
    return (error as Error).message;
  }
}

describe.skipIf(!sshdAvailable())("protocol: HTTP surface and bad requests", () => {
  let stack: Stack;
  let admin: Client;

  const post = (body: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
    rawRequest({
      url: stack.edge.mcpUrl,
      method: "POST",
      headers: { ...MCP_POST_HEADERS, ...authHeaders(stack.keys.admin), ...headers },
      body,
    });

  beforeAll(async () => {
    stack = await startStack({ permissions: true });
    admin = await stack.connect(stack.keys.admin);
  });
  afterAll(stopAllStacks);

  describe("methods", () => {
    it("GET /health is 200 JSON", async () => {
      const response = await rawRequest({ url: `${stack.edge.url}/health` });
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toMatch(/application\/json/);
      expect(() => JSON.parse(response.body)).not.toThrow();
    });

    it.each(["GET", "DELETE"])("%s /mcp is 405", async (method) => {
      const response = await rawRequest({
        url: stack.edge.mcpUrl,
        method,
        headers: { Accept: "text/event-stream", ...authHeaders(stack.keys.admin) },
      });
      expect(response.status).toBe(405);
    });
  });

  describe("DNS-rebinding protection", () => {
    const port = () => stack.edge.port;

    it.each([
      ["evil.example"],
      ["evil.example:PORT"],
      ["127.0.0.1.evil.example"],
      ["localhost.evil.example:PORT"],
      ["workers.dev.evil.example"],
      ["workers.dev"],
      ["192.168.1.10:PORT"],
    ])("Host %s is 403", async (host) => {
      const response = await post(INITIALIZE, { Host: host.replace("PORT", String(port())) });
      expect(response.status).toBe(403);
    });

    it.each([
      ["127.0.0.1:PORT"],
      ["localhost:PORT"],
      ["[::1]:PORT"],
      ["127.0.0.2"],
      ["my-edge.example.workers.dev"],
    ])("Host %s is allowed", async (host) => {
      const response = await post(INITIALIZE, { Host: host.replace("PORT", String(port())) });
      expect(response.status).toBe(200);
      expect(jsonRpcOf(response.body).result).toBeDefined();
    });

    it.each([
      ["http://evil.example"],
      ["https://127.0.0.1.evil.example"],
      ["null"],
    ])("Origin %s is 403", async (origin) => {
      const response = await post(INITIALIZE, { Origin: origin });
      expect(response.status).toBe(403);
    });

    it("a loopback Origin is allowed", async () => {
      const response = await post(INITIALIZE, { Origin: `http://127.0.0.1:${port()}` });
      expect(response.status).toBe(200);
    });

    it("a forged Host is refused before authentication (no key needed to get 403)", async () => {
      const response = await rawRequest({
        url: stack.edge.mcpUrl,
        method: "POST",
        headers: { ...MCP_POST_HEADERS, Host: "evil.example" },
        body: INITIALIZE,
      });
      expect(response.status).toBe(403);
    });
  });

  describe("bad requests get clear errors", () => {
    afterEach(async () => {
      // The server keeps serving normal calls after each bad request.
      expect((await runOk(admin, VM.alpha, "echo still-serving")).stdout).toBe("still-serving\n");
    });

    it("malformed JSON is HTTP 400 with a JSON-RPC parse error", async () => {
      const response = await post('{"jsonrpc":"2.0","id":1,"method":');
      expect(response.status).toBe(400);
      expect(jsonRpcOf(response.body).error?.code).toBe(-32700);
    });

    it("JSON that is not JSON-RPC is HTTP 400 with a JSON-RPC error", async () => {
      const response = await post('{"hello":"world"}');
      expect(response.status).toBe(400);
      expect([-32700, -32600]).toContain(jsonRpcOf(response.body).error?.code);
    });

    it("an unknown JSON-RPC method is -32601", async () => {
      const response = await post(rpc(7, "no/such/method"));
      const reply = jsonRpcOf(response.body);
      expect(reply.id).toBe(7);
      expect(reply.error?.code).toBe(-32601);
    });

    it("a wrong parameter type names the parameter", async () => {
      const text = await failureText(callTool(admin, TOOL_NAMES.runCommand, { vm_name: 42, command: "true" }));
      expect(text).toMatch(/vm_name/);
    });

    it("a missing required parameter names it", async () => {
      const text = await failureText(callTool(admin, TOOL_NAMES.runCommand, { vm_name: VM.alpha }));
      expect(text).toMatch(/command/);
    });

    it.each([
      [0],
      [1.5],
      ["10"],
      [99_999],
    ])("timeout_s %j is rejected, names timeout_s, runs nothing", async (timeout_s) => {
      const marker = path.join(stack.sshd.runDir, "bad-timeout-ran");
      const command = `touch '${marker}'`;
      const text = await failureText(callTool(admin, TOOL_NAMES.runCommand, { vm_name: VM.alpha, command, timeout_s }));
      expect(text).toMatch(/timeout_s/);
      expect(existsSync(marker)).toBe(false);
    });

    it("an unknown tool names the tool", async () => {
      const text = await failureText(callTool(admin, "ssh_no_such_tool", {}));
      expect(text).toContain("ssh_no_such_tool");
    });
  });
});
