/**
 * Faults of the agent itself, end to end with real processes: SIGKILLed mid-job and
 * restarted at once (back within 3 s, the call fails promptly, the job never runs twice),
 * and its data dir turning read-only under it (calls still answer, each kind of write
 * failure is logged once, recording resumes once the dir is writable). The tests run in
 * order and share one stack.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { RECONNECT_GRACE_MS } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { expectToolError, runCommand, runOk } from "./harness/expect-tool.js";
import { AGENT_BIN, REPO_ROOT, sshdAvailable, VM, waitFor } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

/** Settles a call without an unhandled rejection while the test does other things; notes when. */
function settle(call: Promise<CallToolResult>) {
  return call.then(
    (result) => ({ result, error: undefined, at: Date.now() }),
    (error: Error) => ({ result: undefined, error, at: Date.now() }),
  );
}

const linesOf = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

describe.skipIf(!sshdAvailable())("faults of the agent", () => {
  const env = useStack();
  const dataDir = () => path.join(env.stack.dir, "agent", "agent-data");
  const auditCommands = () => linesOf(path.join(dataDir(), "audit.jsonl")).map((l) => JSON.parse(l).command as string);
  const historyCommands = async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [AGENT_BIN, "history", "export", "--since", "1h", "--data-dir", dataDir()],
      { cwd: REPO_ROOT },
    );
    return stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l).command as string);
  };

  it("SIGKILLed mid-job and restarted at once: back within 3 s, the call fails promptly, the job ran once", async () => {
    const { agent } = env.stack;
    const file = path.join(env.stack.sshd.runDir, `run-once-${Date.now()}`);
    const command = `echo ran >> '${file}'; sleep 30`;
    const before = agent.mark();
    const pending = settle(runCommand(env.admin, VM.alpha, command, 60, 60_000));
    await waitFor("the job to start on the VM", () => linesOf(file).length > 0, 15_000, 25);
    const started = agent.events.slice(before).find((e) => e.event === "job_start" && e.vm === VM.alpha);
    expect(started?.job_id).toEqual(expect.any(String));

    const killedAt = Date.now();
    expect((await agent.kill("SIGKILL")).signal).toBe("SIGKILL");
    const restartMark = agent.mark();
    await agent.restart();
    const backAt = Date.now();
    const reconnectMs = backAt - agent.launchedAt;

    const { result, error, at } = await pending;
    console.info(
      `faults: agent restarted in ${reconnectMs} ms (spawn to connected); call failed ${at - killedAt} ms after the kill, ${at - backAt} ms after the agent was back`,
    );
    expect(reconnectMs).toBeLessThan(3_000);
    expect(error, `the call threw instead of returning a tool error: ${error?.message}`).toBeUndefined();
    expect(expectToolError(result as CallToolResult)).toMatch(/the agent reconnected without this job/);
    expect(at - killedAt).toBeLessThan(5_000);
    // Promptly once the agent is back, not after the reconnect grace.
    expect(at - backAt).toBeLessThan(1_000);
    expect(at - killedAt).toBeLessThan(RECONNECT_GRACE_MS);

    // The new agent works, on the same VM, and never received the old job.
    expect((await runOk(env.admin, VM.alpha, "echo after-kill")).stdout).toBe("after-kill\n");
    const restarted = agent.events.slice(restartMark);
    expect(restarted.filter((e) => e.job_id === started?.job_id)).toEqual([]);
    expect(linesOf(file)).toEqual(["ran"]);
  }, 60_000);

  it("with its data dir read-only, answers every call, logs each kind of write failure once, records again after", async () => {
    const { agent } = env.stack;
    const dir = dataDir();
    await runOk(env.admin, VM.beta, "echo before-read-only");
    await waitFor("the audit line on disk", () => auditCommands().includes("echo before-read-only"), 5_000, 25);
    // Root ignores modes and a read-only remount is refused while SQLite holds the file open
    // for writing: immutable inodes refuse writes even through descriptors opened before. The
    // dir (no new files) and every file but SQLite's shared-memory index, which is mmapped: a
    // store into an immutable mapping is a SIGBUS, which no real read-only disk produces.
    const locked = [
      dir,
      ...readdirSync(dir)
        .filter((f) => !f.endsWith("-shm"))
        .map((f) => path.join(dir, f)),
    ];
    expect(locked.map((f) => path.basename(f))).toEqual(expect.arrayContaining(["audit.jsonl", "history.sqlite"]));
    const pid = agent.pid;
    const mark = agent.mark();
    const readOnly = ["echo read-only-1", "echo read-only-2", "echo read-only-3"];
    execFileSync("chattr", ["+i", ...locked]);
    try {
      for (const command of readOnly) {
        expect((await runOk(env.admin, VM.beta, command)).stdout).toBe(`${command.slice(5)}\n`);
      }
      const together = await Promise.all([VM.alpha, VM.gamma].map((vm) => runOk(env.admin, vm, `echo together-${vm}`)));
      expect(together.map((r) => r.stdout)).toEqual([`together-${VM.alpha}\n`, `together-${VM.gamma}\n`]);
      readOnly.push(`echo together-${VM.alpha}`, `echo together-${VM.gamma}`);
      await agent.waitForEvent("history_write_failed", 5_000, mark);
      await agent.waitForEvent("audit_write_failed", 5_000, mark);
      await waitFor(
        "an audit event for every call",
        () => agent.events.slice(mark).filter((e) => e.event === "audit").length >= readOnly.length,
        5_000,
        25,
      );
    } finally {
      execFileSync("chattr", ["-i", ...locked]);
    }
    const during = agent.events.slice(mark);
    expect(during.filter((e) => e.event === "history_write_failed")).toHaveLength(1);
    expect(during.filter((e) => e.event === "audit_write_failed")).toHaveLength(1);
    expect(agent.running).toBe(true);
    expect(agent.pid, "the agent was restarted").toBe(pid);

    const writable = agent.mark();
    expect((await runOk(env.admin, VM.beta, "echo writable-again")).stdout).toBe("writable-again\n");
    // Whether the last lines were tried before the dir came back is a race: each is either
    // on disk or counted as lost, never silently gone.
    const recovered = await agent.waitForEvent("audit_write_recovered", 5_000, mark);
    await waitFor("the audit line on disk", () => auditCommands().includes("echo writable-again"), 5_000, 25);
    const kept = auditCommands().filter((c) => readOnly.includes(c));
    expect(Number(recovered.lost_lines) + kept.length).toBe(readOnly.length);
    expect(recovered.lost_lines).toBeGreaterThanOrEqual(1);
    // The answer waits for the history write: it is on disk once the call returned.
    expect(await historyCommands()).toEqual(expect.arrayContaining(["echo before-read-only", "echo writable-again"]));
    expect(agent.events.slice(writable).filter((e) => e.event.endsWith("_write_failed"))).toEqual([]);
  }, 60_000);
});
