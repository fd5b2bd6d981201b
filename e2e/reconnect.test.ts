/**
 * A dropped agent ⇄ edge connection (cut in a relay between them; both processes keep
 * running) does not kill the commands on the VMs: the agent reconnects, claims its jobs,
 * and their results arrive. A job is never run twice: its side effect happens once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type RunCommand, TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { expectOk, runCommand } from "./harness/expect-tool.js";
import { sshdAvailable, VM, waitFor } from "./harness/index.js";
import { pollJob, startJob } from "./harness/jobs.js";
import { useStack } from "./harness/use-stack.js";

describe.skipIf(!sshdAvailable())("jobs across a dropped agent connection", () => {
  const env = useStack({ permissions: true, relay: true });

  /** A command that appends a line to `file` (its side effect), waits, then answers. */
  function sideEffect(name: string) {
    const file = path.join(env.stack.sshd.runDir, `${name}-${Date.now()}`);
    return {
      file,
      command: `echo ran >> '${file}'; sleep 3; echo finished`,
      runs: () => readFileSync(file, "utf8").split("\n").filter(Boolean).length,
    };
  }

  async function cutWhileRunning(file: string) {
    await waitFor(
      "the command to start on the VM",
      () => {
        try {
          return readFileSync(file, "utf8").length > 0;
        } catch {
          return false;
        }
      },
      10_000,
    );
    const mark = env.stack.agent.mark();
    expect(env.stack.relay?.cut()).toBeGreaterThan(0);
    await env.stack.agent.waitForEvent("connected", 15_000, mark);
  }

  it("a waiting call gets its result, and the command ran once", async () => {
    const job = sideEffect("call");
    const call = runCommand(env.admin, VM.alpha, job.command, 30, 60_000);
    await cutWhileRunning(job.file);
    const run = expectOk<RunCommand>(await call);
    expect(run).toMatchObject({ stdout: "finished\n", return_code: 0 });
    expect(job.runs()).toBe(1);
  });

  it("a background job completes after the drop, and the command ran once", async () => {
    const job = sideEffect("background");
    const id = await startJob(env.admin, TOOL_NAMES.runCommand, { vm_name: VM.beta, command: job.command });
    await cutWhileRunning(job.file);
    const done = await pollJob(env.admin, id, 20_000);
    expect(done).toMatchObject({ state: "succeeded", result: { stdout: "finished\n" } });
    expect(job.runs()).toBe(1);
  });
});
