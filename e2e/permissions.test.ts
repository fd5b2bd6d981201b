/**
 * @module The permission matrix with a `users` key: who sees and reaches which VM, how
 * keys are presented (Bearer or raw), and that every denial reads the same.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DENIED_MESSAGE, TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDenied, expectOk, runCommand, runOk } from "./harness/expect-tool.js";
import {
  ALL_VMS,
  authHeaders,
  callTool,
  GROUPS,
  jsonRpcOf,
  MCP_POST_HEADERS,
  rawRequest,
  type Stack,
  sshdAvailable,
  startStack,
  stopAllStacks,
  type UserName,
  VM,
} from "./harness/index.js";

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
});

describe.skipIf(!sshdAvailable())("permissions (config with users)", () => {
  let stack: Stack;
  const clients = new Map<UserName, Client>();
  const as = (user: UserName) => {
    const client = clients.get(user);
    if (!client) throw new Error(`no client for ${user}`);
    return client;
  };

  beforeAll(async () => {
    stack = await startStack({ permissions: true });
    for (const user of ["alice", "bob", "carol", "admin", "nobody"] as const) {
      clients.set(user, await stack.connect(stack.keys[user]));
    }
  });
  afterAll(stopAllStacks);

  const listOf = async (client: Client) =>
    [...expectOk<{ vms: string[] }>(await callTool(client, TOOL_NAMES.listVms)).vms].sort();

  it.each([
    ["alice", [...GROUPS.dev]],
    ["bob", [...GROUPS.ops]],
    ["carol", [...GROUPS.dev, ...GROUPS.ops]],
    ["admin", [...ALL_VMS]],
    ["nobody", []],
  ] as [UserName, string[]][])("ssh_list_vms shows %s only their groups' VMs", async (user, vms) => {
    expect(await listOf(as(user))).toEqual(vms.sort());
  });

  it("alice runs on her VM; bob runs on his", async () => {
    expect((await runOk(as("alice"), VM.alpha, "echo alice-was-here")).stdout).toBe("alice-was-here\n");
    expect((await runOk(as("bob"), VM.beta, "echo bob-was-here")).stdout).toBe("bob-was-here\n");
  });

  it("a key stored as api_key_sha256 in the config works with its plain key", async () => {
    expect((await runOk(as("carol"), VM.beta, "echo carol")).stdout).toBe("carol\n");
  });

  it("a VM outside the caller's groups is denied on every VM tool", async () => {
    for (const [user, vm] of [
      ["alice", VM.beta],
      ["bob", VM.alpha],
      ["nobody", VM.alpha],
    ] as [UserName, string][]) {
      expectDenied(await runCommand(as(user), vm, "echo should-not-run"));
      expectDenied(await callTool(as(user), TOOL_NAMES.isVmUp, { vm_name: vm }));
      expectDenied(await callTool(as(user), TOOL_NAMES.distroInfo, { vm_name: vm }));
    }
  });

  it("a forbidden VM and an unknown VM give identical results", async () => {
    const forbidden = await runCommand(as("alice"), VM.beta, "true");
    const unknown = await runCommand(as("alice"), "ghost-vm", "true");
    expectDenied(forbidden);
    expect(unknown).toEqual(forbidden);
  });

  it("accepts the raw key as the whole Authorization value", async () => {
    const raw = await stack.connect(stack.keys.alice, "raw");
    expect(await listOf(raw)).toEqual([...GROUPS.dev].sort());
    expect((await runOk(raw, VM.gamma, "echo raw")).stdout).toBe("raw\n");
  });

  describe("refuses the caller with HTTP 401 and the denial message", () => {
    const cases: [string, Record<string, string>][] = [
      ["no Authorization header", {}],
      ["a wrong Bearer key", { Authorization: "Bearer not-a-real-key" }],
      ["a wrong raw key", { Authorization: "not-a-real-key" }],
      ["an empty Bearer", { Authorization: "Bearer " }],
    ];
    it.each(cases)("raw HTTP: %s", async (_label, headers) => {
      const response = await rawRequest({
        url: stack.edge.mcpUrl,
        method: "POST",
        headers: { ...MCP_POST_HEADERS, ...headers },
        body: INITIALIZE,
      });
      expect(response.status).toBe(401);
      expect(jsonRpcOf(response.body).error?.message).toBe(DENIED_MESSAGE);
    });

    it("a valid key in the same raw request is accepted (control)", async () => {
      const response = await rawRequest({
        url: stack.edge.mcpUrl,
        method: "POST",
        headers: { ...MCP_POST_HEADERS, ...authHeaders(stack.keys.alice) },
        body: INITIALIZE,
      });
      expect(response.status).toBe(200);
      expect(jsonRpcOf(response.body).result).toBeDefined();
    });

    it("SDK client without a key", async () => {
      await expect(stack.connect(undefined)).rejects.toThrow(DENIED_MESSAGE);
    });

    it("SDK client with a wrong key, Bearer or raw", async () => {
      await expect(stack.connect("wrong-key")).rejects.toThrow(DENIED_MESSAGE);
      await expect(stack.connect("wrong-key", "raw")).rejects.toThrow(DENIED_MESSAGE);
    });

    it("a truncated or extended key is refused", async () => {
      await expect(stack.connect(stack.keys.alice.slice(0, -1))).rejects.toThrow(DENIED_MESSAGE);
      await expect(stack.connect(`${stack.keys.alice}x`)).rejects.toThrow(DENIED_MESSAGE);
    });
  });
});
