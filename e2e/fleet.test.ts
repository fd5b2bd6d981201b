/**
 * ssh_run_parallel end to end: 50 hosts over three real sshd at stock limits, one of which
 * is dead (connection refused), one silent (accepts TCP, never speaks SSH) and one whose
 * command hangs. Each becomes its own entry; none delays or fails the others.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type RunParallel, TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDenied, expectTextMirrorsStructured, expectToolError } from "./harness/expect-tool.js";
import {
  callTool,
  closedHost,
  fleetVm,
  type ManyHosts,
  type SilentHost,
  type Stack,
  sshdAvailable,
  startManyHosts,
  startSilentHost,
  startStack,
  stopAllStacks,
  VM,
} from "./harness/index.js";

const GOOD = 48;
/** The good host whose command hangs: its address is matched inside the command. */
const SLOW_INDEX = 47;

describe.skipIf(!sshdAvailable())("ssh_run_parallel on a fleet of 50", () => {
  let dir: string;
  let hosts: ManyHosts;
  let silent: SilentHost;
  let stack: Stack;
  let admin: Client;
  let alice: Client;
  let slowAddress: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "tlc-fleet-"));
    chmodSync(dir, 0o711);
    hosts = await startManyHosts(path.join(dir, "hosts"), GOOD);
    silent = await startSilentHost("127.0.2.1");
    const dead = await closedHost("127.0.2.2");
    slowAddress = hosts.hosts[SLOW_INDEX]?.host ?? "";
    const vms = [
      ...hosts.hosts.map(fleetVm),
      { name: "silent", host: silent.host, port: silent.port, user: "tlc-e2e", key: hosts.hosts[0]?.clientKey ?? "" },
      { name: "dead", host: dead.host, port: dead.port, user: "tlc-e2e", key: hosts.hosts[0]?.clientKey ?? "" },
    ];
    stack = await startStack({
      permissions: true,
      extra: { vms, groups: [{ name: "fleet", vms: vms.map((vm) => vm.name) }] },
    });
    admin = await stack.connect(stack.keys.admin);
    alice = await stack.connect(stack.keys.alice);
  }, 180_000);
  afterAll(async () => {
    await stopAllStacks();
    await silent?.stop();
    await hosts?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (client: Client, args: Record<string, unknown>) =>
    callTool(client, TOOL_NAMES.runParallel, args, 120_000);

  it("gives every VM its own entry: 47 ran, one timed out, a dead and a silent one unreachable", async () => {
    const command = `case "$SSH_CONNECTION" in *" ${slowAddress} "*) echo slow-start; sleep 30;; esac; echo "$SSH_CONNECTION" | cut -d" " -f3`;
    const result = await run(admin, { groups: ["fleet"], command, timeout_s: 4 });
    expectToolError(result);
    expectTextMirrorsStructured(result);
    const { summary, results } = result.structuredContent as RunParallel;
    expect(results.map((r) => r.vm)).toEqual([...hosts.hosts.map((h) => h.name), "silent", "dead"]);
    const odd = results.filter((r, i) => i !== SLOW_INDEX && i < GOOD && r.status !== "executed");
    expect(odd.map((r) => `${r.vm}: ${r.error}`)).toEqual([]);
    expect(summary).toMatchObject({ total: 50, succeeded: 47, failed: 0, timed_out: 1, unreachable: 2 });

    for (const [i, host] of hosts.hosts.entries()) {
      const entry = results[i];
      if (i === SLOW_INDEX) continue;
      expect(entry, host.name).toMatchObject({
        status: "executed",
        return_code: 0,
        stdout: `${host.host}\n`,
        error: null,
      });
      // Nobody waited for the slow, silent or dead ones.
      expect(entry?.duration_ms, host.name).toBeLessThan(3_000);
    }
    expect(results[SLOW_INDEX]).toMatchObject({
      status: "timeout",
      stdout: "slow-start\n",
      return_code: null,
      signal: "SIGTERM",
      error: "command timed out after 4 s and was killed",
    });
    expect(results[GOOD]).toMatchObject({
      vm: "silent",
      status: "error",
      return_code: null,
      error: "timed out after 4 s before the command could start (connecting to silent)",
    });
    expect(results[GOOD + 1]).toMatchObject({ vm: "dead", status: "error", return_code: null });
    expect(results[GOOD + 1]?.error).toMatch(/connection refused/);
    expect(silent.accepted()).toBeGreaterThan(0);
  });

  it("runs a listed VM once even when a group names it again, in the order named", async () => {
    const carol = await stack.connect(stack.keys.carol);
    const result = await run(carol, { vm_names: [VM.gamma, VM.alpha], groups: ["dev"], command: "echo hi" });
    const { summary, results } = result.structuredContent as RunParallel;
    expect(result.isError).not.toBe(true);
    expect(results.map((r) => r.vm)).toEqual([VM.gamma, VM.alpha]);
    expect(summary).toMatchObject({ total: 2, succeeded: 2 });
  });

  it("refuses the whole call when any VM or group is not the caller's, running nothing", async () => {
    const marker = path.join(stack.sshd.runDir, "fanout-denied");
    const command = `touch '${marker}'`;
    expectDenied(await run(alice, { vm_names: [VM.alpha, VM.beta], command }));
    expectDenied(await run(alice, { groups: ["dev", "ops"], command }));
    expectDenied(await run(alice, { groups: ["no-such-group"], command }));
    expectDenied(await run(alice, { vm_names: ["no-such-vm"], command }));
    expect(existsSync(marker)).toBe(false);
    // Positive control: what alice may use runs.
    const ok = await run(alice, { groups: ["dev"], command });
    expect(ok.isError).not.toBe(true);
    expect(existsSync(marker)).toBe(true);
  });

  it("caps each VM's output, marked, so a fleet cannot make a huge answer", async () => {
    const result = await run(admin, {
      vm_names: [VM.alpha, VM.beta],
      command: "head -c 100000 /dev/zero | tr '\\0' x",
    });
    const { results } = result.structuredContent as RunParallel;
    for (const entry of results) {
      expect(entry.stdout_truncated).toBe(true);
      expect(entry.stdout.startsWith("x".repeat(65_536))).toBe(true);
      expect(entry.stdout).toContain("[output truncated: 100000 bytes, first 65536 shown]");
    }
  });

  it("asks for VMs or groups when given neither", async () => {
    expect(expectToolError(await run(admin, { command: "true" }))).toBe(
      "ssh_run_parallel needs at least one VM in vm_names or one group in groups",
    );
  });
});
