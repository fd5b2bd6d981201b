/**
 * The hub bounds the jobs in flight per caller on an agent: one client that floods an agent
 * gets a clear `busy` answer while other callers keep working, and nothing reaches the agent.
 */
import { describe, expect, it } from "vitest";
import { MAX_JOBS_PER_CALLER } from "../src/hub/limits.js";
import { connectReady, execResult } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

describe("work limits", () => {
  it("refuses a caller's job beyond its limit with busy, and serves other callers", async () => {
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
});
