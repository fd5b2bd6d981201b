/**
 * History end to end, with no setup: every command run through the tools is recorded by
 * the agent (secrets masked) and found again through ssh_search_logs in plain English or
 * French, counted by ssh_get_statistics and suggested by ssh_suggest_commands — each
 * user seeing only the history of the VMs their groups allow.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type GetStatistics, type SearchLogs, type SuggestCommands, TOOL_NAMES } from "@telecommande/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { expectOk, runOk } from "./harness/expect-tool.js";
import { callTool, sshdAvailable, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

const OOM = "Out of memory: Killed process 4242 (java) total-vm:8388608kB, anon-rss:4194304kB";
const DF_FULL = [
  "Filesystem      Size  Used Avail Use% Mounted on",
  "/dev/vda1        40G   40G     0 100% /",
  "tmpfs           2.0G     0  2.0G   0% /dev/shm",
].join("\n");

/** A command that prints `text` without containing its words (as a real `df` or `dmesg` would). */
const printing = (text: string, stream = "") => `echo ${Buffer.from(text).toString("base64")} | base64 -d ${stream}`;

describe.skipIf(!sshdAvailable())("history", () => {
  const env = useStack();
  let alice: Client;
  let bob: Client;

  const search = async (client: Client, args: Record<string, unknown>) =>
    expectOk<SearchLogs>(await callTool(client, TOOL_NAMES.searchLogs, args));

  beforeAll(async () => {
    alice = await env.stack.connect(env.stack.keys.alice);
    bob = await env.stack.connect(env.stack.keys.bob);
    // gamma is alice's (dev), beta is bob's (ops).
    await runOk(env.admin, VM.beta, `${printing(`${OOM}\n`, ">&2")}; echo kernel log read`);
    await runOk(env.admin, VM.gamma, printing(`${DF_FULL}\n`));
    await runOk(env.admin, VM.gamma, "echo uptime-check; uptime >/dev/null");
    await runOk(
      env.admin,
      VM.alpha,
      "PGPASSWORD=hunter2-secret echo connected; echo token=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    );
    const parallel = await callTool(env.admin, TOOL_NAMES.runParallel, {
      vm_names: [VM.alpha, VM.gamma],
      command: "df -h / > /dev/null && echo disk-checked",
    });
    expect(parallel.isError).not.toBe(true);
  });

  it("finds the operation that ran out of memory from a plain English question", async () => {
    const found = await search(env.admin, { query: "which box ran out of memory" });
    expect(found.results[0]).toMatchObject({ vm: VM.beta, return_code: 0, user: env.stack.sshd.user });
    expect(found.results[0]?.stderr).toContain("Out of memory: Killed process 4242");
    expect(found.results[0]?.formatted_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(found.results[0]?.job_id).toMatch(/[0-9a-f-]{36}/);
  });

  it("finds the full disk from a French question", async () => {
    const found = await search(env.admin, { query: "quels serveurs ont un disque plein" });
    expect(found.results[0]?.vm).toBe(VM.gamma);
    expect(found.results[0]?.stdout).toContain("100% /");
  });

  it("records each VM of a fan-out as its own operation", async () => {
    const found = await search(env.admin, { query: "disk-checked", collection: "stdout" });
    const fanout = found.results.filter((r) => r.stdout === "disk-checked\n");
    expect(fanout.map((r) => r.vm).sort()).toEqual([VM.alpha, VM.gamma]);
    expect(new Set(fanout.map((r) => r.job_id)).size).toBe(1);
  });

  it("masks secrets before they are stored", async () => {
    const found = await search(env.admin, { query: "connected", collection: "stdout" });
    const op = found.results.find((r) => r.vm === VM.alpha && r.stdout.includes("connected"));
    expect(op?.command).toContain("PGPASSWORD=***");
    expect(JSON.stringify(found)).not.toContain("hunter2-secret");
    expect(op?.stdout).not.toContain("abcdefghijklmnopqrstuvwxyz0123456789");
  });

  it("shows each user only the history of their own VMs", async () => {
    const bobs = await search(bob, { query: "which box ran out of memory" });
    expect(bobs.results[0]?.vm).toBe(VM.beta);
    expect(bobs.results.every((r) => r.vm === VM.beta || r.vm === VM.down)).toBe(true);
    const alices = await search(alice, { query: "out of memory killed process" });
    expect(alices.results.some((r) => r.vm === VM.beta)).toBe(false);
    const byHost = await search(alice, { query: "kernel", host_filter: VM.beta });
    expect(byHost.total_found).toBe(0);
  });

  it("counts what ran, per host, in the window", async () => {
    const stats = expectOk<GetStatistics>(
      await callTool(env.admin, TOOL_NAMES.getStatistics, { host_filter: VM.gamma, time_hours: 1 }),
    );
    expect(stats).toMatchObject({
      time_period_hours: 1,
      commands_executed: 3,
      successful_commands: 3,
      failed_commands: 0,
    });
    expect(stats.most_used_hosts).toEqual([{ host: env.stack.sshd.hosts[2], count: 3 }]);
  });

  it("suggests commands that worked for a goal: successful runs only, once per command", async () => {
    const failing = "df -h /no/such/mount/point";
    expect((await callTool(env.admin, TOOL_NAMES.runCommand, { vm_name: VM.alpha, command: failing })).isError).toBe(
      true,
    );
    const suggested = expectOk<SuggestCommands>(
      await callTool(env.admin, TOOL_NAMES.suggestCommands, { context: "check disk space" }),
    );
    const commands = suggested.suggestions.map((s) => s.command);
    const fanout = "df -h / > /dev/null && echo disk-checked";
    expect(commands.filter((c) => c === fanout)).toHaveLength(1);
    expect(commands).not.toContain(failing);
    expect(suggested.suggestions.find((s) => s.command === fanout)).toMatchObject({ success_rate: 1 });
    expect(suggested).toMatchObject({ context: "check disk space", host: null, total_suggestions: commands.length });
  });
});
