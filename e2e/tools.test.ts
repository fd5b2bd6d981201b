/**
 * @module Every tool end to end through the real path: MCP client → wrangler dev edge →
 * agent → sshd, checking the exact result contracts, big output, hostile command
 * strings, timeouts and pinned host keys.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type DistroInfo, type IsVmUp, type RunCommand, TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectDenied,
  expectOk,
  expectTextMirrorsStructured,
  expectToolError,
  runCommand,
  runOk,
} from "./harness/expect-tool.js";
import { ALL_VMS, callTool, type Stack, sshdAvailable, startStack, stopAllStacks, VM } from "./harness/index.js";

const MIB = 1_048_576;

/** `seq 1 n` output, built locally to compare the remote output against. */
function seqText(n: number): string {
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) parts.push(`${i}\n`);
  return parts.join("");
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync("/etc/os-release", "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return out;
}

describe.skipIf(!sshdAvailable())("tools end to end", () => {
  let stack: Stack;
  let admin: Client;
  /** Test user's scratch dir: markers prove whether a command ran. */
  let scratch: string;
  const uid = () => Number(execFileSync("id", ["-u", stack.sshd.user], { encoding: "utf8" }).trim());

  beforeAll(async () => {
    stack = await startStack({ permissions: true });
    admin = await stack.connect(stack.keys.admin);
    scratch = stack.sshd.runDir;
  });
  afterAll(stopAllStacks);

  it("lists every tool with input and output schemas and honest hints", async () => {
    const { tools } = await admin.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of Object.values(TOOL_NAMES)) {
      const tool = byName.get(name);
      expect(tool, `tool ${name} missing`).toBeDefined();
      expect(tool?.outputSchema?.type).toBe("object");
      expect(tool?.description?.length).toBeGreaterThan(10);
    }
    expect(Object.keys(byName.get(TOOL_NAMES.runCommand)?.inputSchema.properties ?? {}).sort()).toEqual([
      "background",
      "command",
      "confirmation_token",
      "timeout_s",
      "vm_name",
    ]);
    expect(byName.get(TOOL_NAMES.runCommand)?.inputSchema.required?.slice().sort()).toEqual(["command", "vm_name"]);
    for (const name of [TOOL_NAMES.listVms, TOOL_NAMES.isVmUp, TOOL_NAMES.distroInfo]) {
      expect(byName.get(name)?.annotations?.readOnlyHint, name).toBe(true);
    }
    expect(byName.get(TOOL_NAMES.runCommand)?.annotations?.readOnlyHint).not.toBe(true);
  });

  it("ssh_list_vms returns every VM for a user in the all group", async () => {
    const { vms } = expectOk<{ vms: string[] }>(await callTool(admin, TOOL_NAMES.listVms));
    expect([...vms].sort()).toEqual([...ALL_VMS].sort());
  });

  it.each([
    [VM.alpha, "127.0.0.1"],
    [VM.beta, "127.0.0.2"],
    [VM.gamma, "127.0.0.3"],
  ])("ssh_is_vm_up reports %s (%s) reachable", async (vm, host) => {
    const up = expectOk<IsVmUp>(await callTool(admin, TOOL_NAMES.isVmUp, { vm_name: vm }));
    expect(up).toMatchObject({ vm, host, port: stack.sshd.port, reachable: true });
    expect(typeof up.latency_ms).toBe("number");
    expect(up.latency_ms).toBeGreaterThanOrEqual(0);
    expect(up.latency_ms).toBeLessThan(5_000);
  });

  it("ssh_is_vm_up reports a closed port unreachable with a reason, as a normal result", async () => {
    const result = await callTool(admin, TOOL_NAMES.isVmUp, { vm_name: VM.down });
    const up = expectOk<IsVmUp>(result);
    expect(up).toMatchObject({ vm: VM.down, host: "127.0.0.1", reachable: false });
    expect(up.port).not.toBe(stack.sshd.port);
    expect(up.reason).toEqual(expect.stringMatching(/\S/));
  });

  it("ssh_vm_distro_info describes this Debian box and the test user", async () => {
    const info = expectOk<DistroInfo>(await callTool(admin, TOOL_NAMES.distroInfo, { vm_name: VM.alpha }));
    const release = osRelease();
    expect(info).toMatchObject({ vm: VM.alpha, host: "127.0.0.1", port: stack.sshd.port });
    expect(info.status).toEqual(expect.stringMatching(/\S/));
    expect(info.distro).toMatchObject({ id: "debian", version: release.VERSION_ID, pretty_name: release.PRETTY_NAME });
    expect(info.platform).toMatchObject({
      kernel: "Linux",
      kernel_release: os.release(),
      arch: execFileSync("uname", ["-m"], { encoding: "utf8" }).trim(),
      package_manager: "apt",
    });
    expect(info.user).toEqual({ name: "tlc-e2e", uid: uid(), is_root: false, passwordless_sudo: false });
    expect(info.network.hostname).toBe(os.hostname());
    expect(Array.isArray(info.notes)).toBe(true);
  });

  it("ssh_run_command returns the full executed result", async () => {
    const command = "echo hello; echo oops >&2";
    const run = expectOk<RunCommand>(await runCommand(admin, VM.alpha, command));
    expect(run).toMatchObject({
      command,
      status: "executed",
      stdout: "hello\n",
      stderr: "oops\n",
      return_code: 0,
      vm: VM.alpha,
      signal: null,
      error: null,
      stdout_truncated: false,
      stderr_truncated: false,
    });
    expect(run.duration_ms).toBeGreaterThanOrEqual(0);
    expect(run.duration_ms).toBeLessThan(10_000);
  });

  it.each([
    [VM.alpha, "127.0.0.1"],
    [VM.beta, "127.0.0.2"],
    [VM.gamma, "127.0.0.3"],
  ])("ssh_run_command on %s reaches sshd at %s as the test user", async (vm, host) => {
    // beta uses key_path, gamma pins the host key by its public key line.
    const run = await runOk(admin, vm, 'id -un; echo "$SSH_CONNECTION"');
    const [user, connection] = run.stdout.split("\n");
    expect(user).toBe("tlc-e2e");
    expect(connection?.split(" ").slice(2)).toEqual([host, String(stack.sshd.port)]);
  });

  it("a non-zero exit returns the full result with isError and stderr kept", async () => {
    const result = await runCommand(admin, VM.alpha, "ls /nonexistent");
    expect(result.isError).toBe(true);
    const run = result.structuredContent as RunCommand;
    expect(run).toMatchObject({
      command: "ls /nonexistent",
      status: "executed",
      stdout: "",
      return_code: 2,
      vm: VM.alpha,
    });
    expect(run.stderr).toContain("No such file or directory");
    expect(JSON.parse(expectToolError(result))).toEqual(run);
  });

  it("returns exactly 1,000,000 bytes of stdout intact", async () => {
    const expected = seqText(200_000).slice(0, 1_000_000);
    const run = await runOk(admin, VM.alpha, "seq 1 200000 | head -c 1000000");
    expect(run.stdout.length).toBe(1_000_000);
    expect(sha(run.stdout)).toBe(sha(expected));
    expect(run.stdout_truncated).toBe(false);
  });

  it("caps 2 MB on each stream at 1 MiB with a visible truncation marker", async () => {
    const expected = seqText(400_000).slice(0, 2_000_000);
    const run = await runOk(admin, VM.alpha, "seq 1 400000 | head -c 2000000; seq 1 400000 | head -c 2000000 >&2");
    for (const stream of ["stdout", "stderr"] as const) {
      const text = run[stream];
      expect(run[`${stream}_truncated`], stream).toBe(true);
      expect(sha(text.slice(0, MIB)), `${stream} keeps the first MiB intact`).toBe(sha(expected.slice(0, MIB)));
      const marker = text.slice(MIB);
      expect(marker, `${stream} marker`).toMatch(/truncat/i);
      expect(marker.length, `${stream} marker is short`).toBeLessThan(200);
    }
  });

  it("concurrent calls on three hosts each get their own output", async () => {
    const vms = [VM.alpha, VM.beta, VM.gamma];
    const runs = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        runCommand(admin, vms[i % 3] as string, `echo start-${i}; sleep 0.3; echo end-${i}`),
      ),
    );
    runs.forEach((result, i) => {
      const run = expectOk<RunCommand>(result);
      expect(run).toMatchObject({ vm: vms[i % 3], stdout: `start-${i}\nend-${i}\n`, return_code: 0 });
    });
  });

  it("a timed-out command returns its structured result with the output so far", async () => {
    const command = "echo started; echo warned >&2; sleep 10";
    const result = await runCommand(admin, VM.alpha, command, 2);
    expectToolError(result);
    expectTextMirrorsStructured(result);
    const run = result.structuredContent as RunCommand;
    expect(run).toEqual({
      command,
      status: "timeout",
      stdout: "started\n",
      stderr: "warned\n",
      return_code: -1,
      vm: VM.alpha,
      duration_ms: expect.any(Number),
      signal: "SIGTERM",
      error: "command timed out after 2 s and was killed",
      stdout_truncated: false,
      stderr_truncated: false,
    });
    expect(run.duration_ms).toBeGreaterThanOrEqual(2_000);
    expect(run.duration_ms).toBeLessThan(5_000);
  });

  it("a timed-out command is killed on the VM", async () => {
    const marker = path.join(scratch, "after-timeout");
    const result = await runCommand(admin, VM.alpha, `sleep 3; touch '${marker}'`, 1);
    expect(result.isError).toBe(true);
    await sleep(4_000);
    expect(existsSync(marker), "the command kept running after its timeout").toBe(false);
  });

  it("refuses a VM whose pinned host key does not match, without running anything", async () => {
    const marker = path.join(scratch, "host-key-mismatch");
    const command = `touch '${marker}'`;
    const text = expectToolError(await runCommand(admin, VM.badHostKey, command));
    expect(text).toMatch(/host key/i);
    expect(text).toMatch(/mismatch|does not match/i);
    expect(existsSync(marker), "the command ran despite the host key mismatch").toBe(false);
    const info = expectToolError(await callTool(admin, TOOL_NAMES.distroInfo, { vm_name: VM.badHostKey }));
    expect(info).toMatch(/host key/i);
    // Positive control: the same command on a correctly pinned VM does create the marker.
    await runOk(admin, VM.alpha, command);
    expect(existsSync(marker)).toBe(true);
  });

  it("a VM whose port is closed fails fast with a connection error", async () => {
    const started = Date.now();
    const text = expectToolError(await runCommand(admin, VM.down, "true"));
    expect(text).toMatch(/refused|connect|unreachable/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("an unknown VM is the denial message", async () => {
    expectDenied(await runCommand(admin, "no-such-vm", "true"));
    expectDenied(await callTool(admin, TOOL_NAMES.isVmUp, { vm_name: "no-such-vm" }));
    expectDenied(await callTool(admin, TOOL_NAMES.distroInfo, { vm_name: "no-such-vm" }));
  });
});
