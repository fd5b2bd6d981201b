/**
 * Background jobs through the real hub and a scripted agent: started at once, followed with
 * ssh_job_status (live tail, VMs done so far, the final answer), stopped with ssh_job_cancel,
 * visible to their caller only, and still there after the agent's connection dropped.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { JobCancel, JobStatus, RunCommand, RunParallel } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { connectReady, execResult, type FakeAgent } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

async function status(client: Client, job_id: string): Promise<JobStatus> {
  const res = (await client.callTool({ name: "ssh_job_status", arguments: { job_id } })) as CallToolResult;
  expect(res.isError, textOf(res)).toBeUndefined();
  return res.structuredContent as JobStatus;
}

/** Polls until `check` holds: the hub writes pieces as their frames arrive. */
async function statusWhen(client: Client, job_id: string, check: (s: JobStatus) => boolean): Promise<JobStatus> {
  for (let i = 0; ; i++) {
    const s = await status(client, job_id);
    if (check(s) || i > 100) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startCommand(agent: FakeAgent, alice: Client, command: string) {
  const res = await alice.callTool({
    name: "ssh_run_command",
    arguments: { vm_name: "vm1", command, background: true },
  });
  const started = res.structuredContent as RunCommand;
  const job = await agent.next("job");
  return { started, job };
}

describe("background jobs", () => {
  it("answers at once with a job id, shows the live tail, then the final answer", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const { started, job } = await startCommand(agent, alice, "make build");
    expect(started).toMatchObject({ status: "running", state: "running", vm: "vm1", command: "make build" });
    expect(job).toMatchObject({ kind: "exec", vm: "vm1", live: true, id: started.job_id });
    const id = started.job_id as string;

    expect(await status(alice, id)).toMatchObject({ state: "running", progress: { done: 0, total: 1 }, result: null });
    agent.send({ type: "tail", id, text: "compiling 3/7" });
    expect((await statusWhen(alice, id, (s) => s.output_tail !== null)).output_tail).toBe("compiling 3/7");

    agent.send({ type: "progress", id, seq: 0, stream: "stdout", data: "first part\n" });
    agent.send({ type: "result", id, chunks: 1, result: execResult("last part\n") });
    expect((await agent.next("ack")).id).toBe(id);
    const done = await statusWhen(alice, id, (s) => s.state !== "running");
    expect(done).toMatchObject({ state: "succeeded", progress: { done: 1, total: 1 }, output_tail: null, error: null });
    expect(done.result).toMatchObject({ stdout: "first part\nlast part\n", return_code: 0, vm: "vm1" });
    expect(done.ended_at).not.toBeNull();
  });

  it("is visible only to the caller who started it", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const { started } = await startCommand(agent, alice, "id");
    const bob = await mcpClient("Bearer bob-key");
    const id = started.job_id as string;
    const texts: string[] = [];
    for (const name of ["ssh_job_status", "ssh_job_cancel"]) {
      const res = (await bob.callTool({ name, arguments: { job_id: id } })) as CallToolResult;
      expect(res.isError).toBe(true);
      expect(res.structuredContent).toBeUndefined();
      texts.push(textOf(res));
    }
    expect(agent.inbox.some((m) => m.type === "cancel")).toBe(false);
    // Someone else's job reads exactly as a job that does not exist.
    const missing = (await alice.callTool({ name: "ssh_job_status", arguments: { job_id: "nope" } })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(texts).toEqual([textOf(missing).replace('"nope"', `"${id}"`), textOf(missing).replace('"nope"', `"${id}"`)]);
    expect(textOf(missing)).toMatch(/^no job "nope" for you: /);
    expect((await status(alice, id)).state).toBe("running");
  });

  it("ssh_job_cancel stops it on the agent and says so; a second cancel changes nothing", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const { started, job } = await startCommand(agent, alice, "sleep 600");
    const res = await alice.callTool({ name: "ssh_job_cancel", arguments: { job_id: started.job_id } });
    expect((await agent.next("cancel")).id).toBe(job.id);
    expect(res.structuredContent).toMatchObject({ state: "cancelled", cancelled: true });
    expect((res.structuredContent as JobCancel).error).toMatch(/cancelled/);
    const again = await alice.callTool({ name: "ssh_job_cancel", arguments: { job_id: started.job_id } });
    expect(again.structuredContent).toMatchObject({ state: "cancelled", cancelled: false });
  });

  it("a fan-out shows the VMs done so far, then every VM in the call's order", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const res = await alice.callTool({
      name: "ssh_run_parallel",
      arguments: { vm_names: ["vm2", "vm1"], command: "uptime", background: true },
    });
    const started = res.structuredContent as RunParallel;
    expect(started).toMatchObject({ state: "running", summary: { total: 2 }, results: [] });
    const id = started.job_id as string;
    const job = await agent.next("job");
    expect(job).toMatchObject({ id, kind: "fanout", vms: ["vm2", "vm1"] });

    agent.send({ type: "vm_result", id, vm: "vm1", outcome: { ok: true, result: execResult("one\n") } });
    const partial = await statusWhen(alice, id, (s) => s.progress.done === 1);
    expect(partial).toMatchObject({ state: "running", progress: { done: 1, total: 2 } });
    expect((partial.result as RunParallel).results.map((r) => r.vm)).toEqual(["vm1"]);

    agent.send({ type: "vm_result", id, vm: "vm2", outcome: { ok: true, result: execResult("two\n", 3) } });
    agent.send({ type: "result", id, chunks: 0, result: { kind: "fanout", count: 2 } });
    const done = await statusWhen(alice, id, (s) => s.state !== "running");
    expect(done.state).toBe("failed");
    const answer = done.result as RunParallel;
    expect(answer.results.map((r) => [r.vm, r.return_code])).toEqual([
      ["vm2", 3],
      ["vm1", 0],
    ]);
    expect(answer.summary).toMatchObject({ total: 2, succeeded: 1, failed: 1 });
  });

  it("outlives a dropped agent connection: the agent that comes back delivers the result", async () => {
    const first = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const { started, job } = await startCommand(first, alice, "deploy");
    first.ws.close(4001, "network blip");
    const second = await connectReady([job.id]);
    second.send({ type: "result", id: job.id, chunks: 0, result: execResult("deployed\n") });
    const done = await statusWhen(alice, started.job_id as string, (s) => s.state !== "running");
    expect(done).toMatchObject({ state: "succeeded", result: { stdout: "deployed\n" } });
  });

  it("fails at once when the agent is not connected, and starts no job", async () => {
    const alice = await mcpClient("Bearer alice-key");
    const res = (await alice.callTool({
      name: "ssh_run_command",
      arguments: { vm_name: "vm1", command: "true", background: true },
    })) as CallToolResult;
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe('ssh_run_command on vm1 failed: agent "default" is not connected');
  });
});
