/**
 * A result whose announced pieces never all arrive (a lost output chunk, a lost VM outcome):
 * the hub answers with what came once LATE_PIECES_MS has passed, marked incomplete, rather
 * than waiting for the job's whole timeout and throwing the result away.
 */
import type { RunCommand, RunParallel } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { LATE_PIECES_MS } from "../src/hub/pending.js";
import { connectReady, execResult } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

describe("pieces that never arrive", () => {
  it("answers a command with the output that came, marked truncated, and acks it", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const started = Date.now();
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "build" } });
    const job = await agent.next("job");
    agent.send({ type: "progress", id: job.id, seq: 0, stream: "stdout", data: "part one\n" });
    // Chunk 1 is lost on the way; the result still says two were sent.
    agent.send({ type: "result", id: job.id, chunks: 2, result: execResult("the end\n") });
    const res = await call;
    const elapsed = Date.now() - started;
    expect(res.isError, textOf(res)).toBeUndefined();
    const answer = res.structuredContent as RunCommand;
    expect(answer).toMatchObject({ stdout: "part one\nthe end\n", return_code: 0, stdout_truncated: true });
    expect(elapsed).toBeGreaterThanOrEqual(LATE_PIECES_MS - 100);
    expect(elapsed).toBeLessThan(LATE_PIECES_MS + 3_000);
    expect((await agent.next("ack")).id).toBe(job.id);
  });

  it("a late chunk within the wait still makes the answer whole", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "build" } });
    const job = await agent.next("job");
    agent.send({ type: "result", id: job.id, chunks: 1, result: execResult("end\n") });
    await new Promise((r) => setTimeout(r, 200));
    agent.send({ type: "progress", id: job.id, seq: 0, stream: "stdout", data: "start\n" });
    const answer = (await call).structuredContent as RunCommand;
    expect(answer).toMatchObject({ stdout: "start\nend\n", stdout_truncated: false });
  });

  it("answers a fan-out with the VMs that came; the lost one says so", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_parallel", arguments: { vm_names: ["vm1", "vm2"], command: "x" } });
    const job = await agent.next("job");
    agent.send({ type: "vm_result", id: job.id, vm: "vm1", outcome: { ok: true, result: execResult("one\n") } });
    agent.send({ type: "result", id: job.id, chunks: 0, result: { kind: "fanout", count: 2 } });
    const { results } = (await call).structuredContent as RunParallel;
    expect(results[0]).toMatchObject({ vm: "vm1", status: "executed", stdout: "one\n" });
    expect(results[1]).toMatchObject({ vm: "vm2", status: "error" });
    expect(results[1]?.error).toMatch(/finished without an answer for this VM/);
  });
});
