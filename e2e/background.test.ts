/**
 * Background jobs end to end: `background: true` answers at once; ssh_job_status shows the
 * running command's latest output and then its result; ssh_job_cancel stops the remote
 * command (checked with `ps` on the target); a job is its caller's alone.
 */
import { randomInt } from "node:crypto";
import { type JobCancel, type RunParallel, TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { expectToolError } from "./harness/expect-tool.js";
import { callTool, sshdAvailable, structuredOf, VM, waitFor } from "./harness/index.js";
import { jobStatus, pollJob, processesWith, startJob } from "./harness/jobs.js";
import { useStack } from "./harness/use-stack.js";

describe.skipIf(!sshdAvailable())("background jobs", () => {
  const env = useStack();

  it("a command answers at once, shows its latest output while it runs, then its result", async () => {
    const startedAt = Date.now();
    const id = await startJob(env.admin, TOOL_NAMES.runCommand, {
      vm_name: VM.alpha,
      command: "echo first-step; sleep 2; echo second-step",
    });
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    const running = await pollJob(env.admin, id, 10_000, (s) => s.output_tail?.includes("first-step") === true);
    expect(running).toMatchObject({ state: "running", tool: "ssh_run_command", vms: [VM.alpha], result: null });

    const done = await pollJob(env.admin, id, 15_000);
    expect(done).toMatchObject({ state: "succeeded", progress: { done: 1, total: 1 }, error: null });
    expect(done.result).toMatchObject({ stdout: "first-step\nsecond-step\n", return_code: 0, status: "executed" });
    expect(done.duration_ms).toBeGreaterThanOrEqual(2_000);
  });

  it("a fan-out is polled to completion with every VM's result in the call's order", async () => {
    const vms = [VM.gamma, VM.alpha, VM.beta, VM.down];
    const id = await startJob(env.admin, TOOL_NAMES.runParallel, { vm_names: vms, command: "sleep 1; echo $((6*7))" });
    const done = await pollJob(env.admin, id, 20_000);
    const answer = done.result as RunParallel;
    expect(answer.results.map((r) => r.vm)).toEqual(vms);
    expect(answer.results.slice(0, 3).map((r) => r.stdout)).toEqual(["42\n", "42\n", "42\n"]);
    expect(answer.summary).toMatchObject({ total: 4, succeeded: 3, unreachable: 1 });
    expect(done).toMatchObject({ state: "failed", progress: { done: 4, total: 4 } });
  });

  it("ssh_job_cancel stops the remote command, and nothing of it is left running", async () => {
    const token = String(randomInt(100_000, 999_999));
    const id = await startJob(env.admin, TOOL_NAMES.runParallel, {
      vm_names: [VM.alpha, VM.beta],
      command: `sleep ${token}`,
    });
    await waitFor("both remote sleeps", () => processesWith(`sleep ${token}`).length >= 2, 10_000);
    const cancel = structuredOf<JobCancel>(await callTool(env.admin, TOOL_NAMES.jobCancel, { job_id: id }));
    expect(cancel).toMatchObject({ state: "cancelled", cancelled: true });
    await waitFor("the remote commands to be gone", () => processesWith(token).length === 0, 5_000).catch(() => {
      throw new Error(`still running after the cancel:\n${processesWith(token).join("\n")}`);
    });
    expect((await jobStatus(env.admin, id)).state).toBe("cancelled");
  });

  it("another user cannot read or cancel it", async () => {
    const id = await startJob(env.admin, TOOL_NAMES.runCommand, { vm_name: VM.beta, command: "sleep 3; echo mine" });
    const carol = await env.stack.connect(env.stack.keys.carol);
    for (const tool of [TOOL_NAMES.jobStatus, TOOL_NAMES.jobCancel]) {
      expect(expectToolError(await callTool(carol, tool, { job_id: id }))).toMatch(/^no job ".+" for you/);
    }
    const done = await pollJob(env.admin, id, 15_000);
    expect(done).toMatchObject({ state: "succeeded", result: { stdout: "mine\n" } });
  });
});
