/**
 * @module Open mode: a config without a `users` key (groups alone do not count) turns
 * permissions off: every VM is visible and callable without any Authorization header.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDenied, expectOk, runCommand, runOk } from "./harness/expect-tool.js";
import { ALL_VMS, callTool, type Stack, sshdAvailable, startStack, stopAllStacks, VM } from "./harness/index.js";

describe.skipIf(!sshdAvailable())("open mode (config without users)", () => {
  let stack: Stack;
  let anonymous: Client;

  beforeAll(async () => {
    stack = await startStack({ permissions: false });
    anonymous = await stack.connect(undefined);
  });
  afterAll(stopAllStacks);

  it("the config really has groups but no users key", () => {
    expect(stack.config.users).toBeUndefined();
    expect(stack.edgeConfig.users).toBeUndefined();
    expect(stack.edgeConfig.groups?.length).toBeGreaterThan(0);
  });

  it("lists every VM without an Authorization header", async () => {
    const { vms } = expectOk<{ vms: string[] }>(await callTool(anonymous, TOOL_NAMES.listVms));
    expect([...vms].sort()).toEqual([...ALL_VMS].sort());
  });

  it("runs commands on every reachable VM without a key", async () => {
    for (const vm of [VM.alpha, VM.beta, VM.gamma]) {
      expect((await runOk(anonymous, vm, "echo open")).stdout).toBe("open\n");
    }
  });

  it("ignores whatever key a client sends", async () => {
    for (const client of [await stack.connect("some-random-key"), await stack.connect("some-random-key", "raw")]) {
      const { vms } = expectOk<{ vms: string[] }>(await callTool(client, TOOL_NAMES.listVms));
      expect(vms).toHaveLength(ALL_VMS.length);
      expect((await runOk(client, VM.alpha, "echo keyed")).stdout).toBe("keyed\n");
    }
  });

  it("an unknown VM is still the denial message", async () => {
    expectDenied(await runCommand(anonymous, "ghost-vm", "true"));
  });
});
