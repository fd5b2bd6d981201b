/**
 * The hub bounds the jobs in flight per caller on an agent: one client that floods an agent
 * gets a clear `busy` answer while other callers keep working, and nothing reaches the agent.
 */
import { describe, expect, it } from "vitest";
import { MAX_JOBS_PER_CALLER } from "../src/hub/limits.js";
import { connectReady, execResult } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

describe("work limits", () => {
  // Hundreds of concurrent MCP calls through workerd: more than the default 5 s on a loaded machine.
  it("refuses a caller's job beyond its limit with busy, and serves other callers", { timeout: 60_000 }, async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const calls = Array.from({ length: MAX_JOBS_PER_CALLER }, (_, i) =>
      alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: `echo ${i}` } }),
    );
    const jobs = [];
    for (let i = 0; i < MAX_JOBS_PER_CALLER; i++) jobs.push(await agent.next("job"));

    const refused = await alice.callTool({
      name: "ssh_run_command",
      arguments: { vm_name: "vm2", command: "one more" },
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe(
      `ssh_run_command on vm2 failed: too many jobs in flight for "alice" on agent "default" (${MAX_JOBS_PER_CALLER}); wait for some to finish and retry in a few seconds`,
    );
    // Nothing was sent for the refused call.
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.inbox.filter((m) => m.type === "job")).toEqual([]);

    const bob = await mcpClient("Bearer bob-key");
    const bobCall = bob.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm3", command: "id" } });
    const bobJob = await agent.next("job");
    agent.send({ type: "result", id: bobJob.id, chunks: 0, result: execResult("bob\n") });
    expect((await bobCall).structuredContent).toMatchObject({ stdout: "bob\n" });

    for (const job of jobs) agent.send({ type: "result", id: job.id, chunks: 0, result: execResult("ok\n") });
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a.isError === undefined)).toBe(true);
    // Once they ended, alice may run again.
    const again = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "again" } });
    const next = await agent.next("job");
    agent.send({ type: "result", id: next.id, chunks: 0, result: execResult("again\n") });
    expect((await again).structuredContent).toMatchObject({ stdout: "again\n" });
  });

  it("refuses new jobs while the hub holds its most answer bytes, and takes them again once they go out", async () => {
    // The edge tests run with HUB_MAX_ANSWER_BYTES at 1 MiB (vitest.config.ts).
    {
      const agent = await connectReady();
      const alice = await mcpClient("Bearer alice-key");
      const big = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "cat big" } });
      const job = await agent.next("job");
      // 1.2 MB of output arrives; its result has not yet.
      for (let seq = 0; seq < 5; seq++) {
        agent.send({ type: "progress", id: job.id, seq, stream: "stdout", data: "x".repeat(240_000) });
      }
      await new Promise((r) => setTimeout(r, 100));
      const bob = await mcpClient("Bearer bob-key");
      const refused = await bob.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm3", command: "id" } });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe(
        'ssh_run_command on vm3 failed: agent "default" is busy: 1 MiB of answers in flight, the most its hub holds; retry in a few seconds',
      );
      agent.send({ type: "result", id: job.id, chunks: 5, result: execResult("") });
      expect(((await big).structuredContent as { stdout: string }).stdout).toHaveLength(1_200_000);
      const again = bob.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm3", command: "id" } });
      const next = await agent.next("job");
      agent.send({ type: "result", id: next.id, chunks: 0, result: execResult("bob\n") });
      expect((await again).structuredContent).toMatchObject({ stdout: "bob\n" });
    }
  });
});
