import { SELF } from "cloudflare:test";
import { PROTOCOL_VERSION, RECONNECT_GRACE_MS } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { connect, connectReady, execResult } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

describe("agent hub", () => {
  it("refuses a wrong token and a plain GET", async () => {
    expect((await connect("wrong")).status).toBe(401);
    expect((await SELF.fetch("http://127.0.0.1/agent/connect")).status).toBe(426);
  });

  it("fails at once when no agent is connected", async () => {
    const alice = await mcpClient("Bearer alice-key");
    const started = Date.now();
    const res = await alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "true" } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe('ssh_run_command on vm1 failed: agent "default" is not connected');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("dispatches a job and reassembles streamed output", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm2", command: "cat big" } });
    const job = await agent.next("job");
    expect(job).toMatchObject({ vm: "vm2", kind: "exec", command: "cat big", caller: "alice", timeout_ms: 120_000 });
    agent.send({ type: "progress", id: job.id, seq: 0, stream: "stdout", data: "a".repeat(200_000) });
    agent.send({ type: "progress", id: job.id, seq: 1, stream: "stderr", data: "warn\n" });
    agent.send({
      type: "result",
      id: job.id,
      chunks: 2,
      result: { ...execResult("end", 3), stderr: "!" },
    });
    const res = await call;
    expect(res.isError).toBe(true);
    const out = res.structuredContent as Record<string, unknown>;
    expect(out).toMatchObject({ command: "cat big", status: "executed", return_code: 3, vm: "vm2", stderr: "warn\n!" });
    expect(out.stdout).toBe(`${"a".repeat(200_000)}end`);
    expect(JSON.parse(textOf(res))).toEqual(out);
  });

  it("reassembles output whose frames arrive in any order, waiting for late chunks", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "seq 3" } });
    const job = await agent.next("job");
    agent.send({ type: "result", id: job.id, chunks: 3, result: execResult("4\n") });
    agent.send({ type: "progress", id: job.id, seq: 2, stream: "stdout", data: "3\n" });
    agent.send({ type: "progress", id: job.id, seq: 0, stream: "stdout", data: "1\n" });
    let settled = false;
    void call.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled, "settled before the last chunk arrived").toBe(false);
    agent.send({ type: "progress", id: job.id, seq: 1, stream: "stdout", data: "2\n" });
    const res = await call;
    expect(res.isError).toBeUndefined();
    expect((res.structuredContent as { stdout: string }).stdout).toBe("1\n2\n3\n4\n");
  });

  it("fails a pending job once the agent has been gone for the reconnect grace", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "sleep 30" } });
    await agent.next("job");
    const started = Date.now();
    agent.ws.close(1001, "agent going away");
    const res = await call;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(RECONNECT_GRACE_MS - 500);
    expect(elapsed).toBeLessThan(RECONNECT_GRACE_MS + 3000);
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(
      /ssh_run_command on vm1 failed: the agent disconnected during the job .*did not come back within 10 s/,
    );
  }, 20_000);

  it("passes agent errors through and answers garbage without dropping the agent", async () => {
    const agent = await connectReady();
    agent.send("{not json");
    expect((await agent.next("error")).message).toBe("frame is not valid JSON");
    agent.send({ type: "job", id: "x" });
    expect((await agent.next("error")).message).toMatch(/malformed message/);
    const alice = await mcpClient("alice-key");
    const call = alice.callTool({ name: "ssh_vm_distro_info", arguments: { vm_name: "vm1" } });
    const job = await agent.next("job");
    agent.send({ type: "error", id: job.id, code: "host_key_mismatch", message: "host key for vm1 does not match" });
    const res = await call;
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe("ssh_vm_distro_info on vm1 failed: host key for vm1 does not match");
  });

  it("maps probe results to the original's fields", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("alice-key");
    const call = alice.callTool({ name: "ssh_is_vm_up", arguments: { vm_name: "vm2" } });
    const job = await agent.next("job");
    expect(job.kind).toBe("probe");
    agent.send({
      type: "result",
      id: job.id,
      result: { kind: "probe", reachable: true, latency_ms: 1.5, reason: null },
    });
    expect((await call).structuredContent).toEqual({
      vm: "vm2",
      host: "10.0.0.2",
      port: 2222,
      reachable: true,
      latency_ms: 1.5,
      reason: null,
    });
  });

  it("closes an agent that speaks another protocol or claims another name", async () => {
    for (const hello of [
      { agent: "default", protocol: PROTOCOL_VERSION + 1 },
      { agent: "someone-else", protocol: PROTOCOL_VERSION },
    ]) {
      const { agent } = await connect();
      if (!agent) throw new Error("refused");
      const closed = new Promise<number>((resolve) => agent.ws.addEventListener("close", (e) => resolve(e.code)));
      agent.send({ type: "hello", version: "x", vms: [], ...hello });
      expect((await agent.next("error")).code).toBe("bad_message");
      expect([4002, 4003]).toContain(await closed);
    }
  });
});
