/**
 * A dropped agent connection does not end a job: the agent that comes back and names the
 * job in its hello delivers the answer on its new connection (repeats change nothing); an
 * agent that comes back without it fails it at once.
 */
import type { RunParallel } from "@telecommande/shared";
import { PROTOCOL_VERSION } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { connect, connectReady, execResult } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

describe("jobs across a reconnect", () => {
  it("an agent that comes back and claims the job delivers its answer, once", async () => {
    const first = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "make deploy" } });
    const job = await first.next("job");
    first.send({ type: "progress", id: job.id, seq: 0, stream: "stdout", data: "step 1\n" });
    first.ws.close(4001, "network blip");

    const second = await connectReady([job.id]);
    // The agent sends everything again: the hub keeps one copy of each piece.
    second.send({ type: "progress", id: job.id, seq: 0, stream: "stdout", data: "step 1\n" });
    second.send({ type: "progress", id: job.id, seq: 1, stream: "stdout", data: "step 2\n" });
    second.send({ type: "result", id: job.id, chunks: 2, result: execResult("done\n") });
    const res = await call;
    expect(res.isError, textOf(res)).toBeUndefined();
    expect(res.structuredContent).toMatchObject({ stdout: "step 1\nstep 2\ndone\n", return_code: 0 });
    expect((await second.next("ack")).id).toBe(job.id);
  });

  it("an agent that comes back without the job fails it at once, keeping a fan-out's answered VMs", async () => {
    const first = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_parallel", arguments: { vm_names: ["vm1", "vm2"], command: "x" } });
    const job = await first.next("job");
    first.send({ type: "vm_result", id: job.id, vm: "vm1", outcome: { ok: true, result: execResult("one\n") } });
    await new Promise((r) => setTimeout(r, 50));
    first.ws.close(4001, "agent crashed");

    const started = Date.now();
    await connectReady([]);
    const { summary, results } = (await call).structuredContent as RunParallel;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(results[0]).toMatchObject({ vm: "vm1", status: "executed", stdout: "one\n" });
    expect(results[1]).toMatchObject({ vm: "vm2", status: "error", return_code: null });
    expect(results[1]?.error).toMatch(/the agent reconnected without this job/);
    expect(summary).toMatchObject({ succeeded: 1, unreachable: 1 });
  });

  it("frames for a claimed job from the replaced connection are ignored", async () => {
    const first = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm2", command: "echo" } });
    const job = await first.next("job");
    const second = await connectReady([job.id]);
    // The old socket is closed by the hub; anything it still manages to send must not count.
    try {
      first.send({ type: "result", id: job.id, chunks: 0, result: execResult("from the old socket\n") });
    } catch {
      // closed already: just as good
    }
    second.send({ type: "result", id: job.id, chunks: 0, result: execResult("from the new socket\n") });
    expect((await call).structuredContent).toMatchObject({ stdout: "from the new socket\n" });
  });

  it("a hello naming a job the hub no longer waits for gets a cancel for it", async () => {
    const agent = await connectReady(["job-the-hub-forgot"]);
    expect((await agent.next("cancel")).id).toBe("job-the-hub-forgot");
  });
});

describe("a probe hello (telecommande-agent doctor)", () => {
  it("gets a welcome but no job, and leaves the jobs a dropped agent holds alone", async () => {
    const first = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "make deploy" } });
    const job = await first.next("job");
    first.ws.close(4001, "agent restarting");

    const { agent: probe } = await connect();
    if (!probe) throw new Error("probe refused");
    probe.send({
      type: "hello",
      agent: "default",
      version: "doctor",
      protocol: PROTOCOL_VERSION,
      vms: [],
      jobs: [],
      probe: true,
    });
    await probe.next("welcome");
    // A call made while only the probe is connected finds no agent; it is not sent to the probe.
    const during = await alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm2", command: "echo" } });
    expect(textOf(during)).toMatch(/agent "default" is not connected/);
    probe.ws.close(1000, "doctor done");

    // The held job was not failed by the probe's empty hello: the agent claims it and answers.
    const second = await connectReady([job.id]);
    second.send({ type: "result", id: job.id, chunks: 0, result: execResult("deployed\n") });
    const res = await call;
    expect(res.isError, textOf(res)).toBeUndefined();
    expect(res.structuredContent).toMatchObject({ stdout: "deployed\n" });
  });
});
