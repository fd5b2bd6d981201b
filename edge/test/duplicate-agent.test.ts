/**
 * Two agent processes started under one name: the hub keeps the one that is connected and
 * heartbeating and refuses the second with a close reason, instead of swapping them in a
 * loop that kills every job. A reconnect of the same process still replaces its socket.
 */
import { CLOSE_DUPLICATE_AGENT, PROTOCOL_VERSION } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { connect, connectReady, execResult } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

const hello = { type: "hello", agent: "default", version: "test", protocol: PROTOCOL_VERSION, vms: ["vm1", "vm2"] };

describe("two agents with one name", () => {
  it("refuses a second process while the first is live, and the first keeps its job", async () => {
    const first = await connectReady([], "process-a");
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm1", command: "uptime" } });
    const job = await first.next("job");

    const { agent: second } = await connect(undefined, "process-b");
    if (!second) throw new Error("the upgrade itself must succeed, so the close reason reaches the agent");
    second.send(hello);
    const closed = await second.untilClosed();
    expect(closed).toEqual({
      code: CLOSE_DUPLICATE_AGENT,
      reason: 'agent "default" is already connected from another process',
    });
    expect(second.inbox.filter((m) => m.type === "welcome" || m.type === "job")).toEqual([]);

    first.send({ type: "result", id: job.id, chunks: 0, result: execResult("up 3 days\n") });
    const res = await call;
    expect(res.isError, textOf(res)).toBeUndefined();
    expect(res.structuredContent).toMatchObject({ stdout: "up 3 days\n" });
    expect(first.closed).toBeUndefined();
  });

  it("does not let a newcomer without an instance id knock a live agent off", async () => {
    const first = await connectReady([], "process-a");
    const { agent: anonymous } = await connect();
    if (!anonymous) throw new Error("the upgrade itself must succeed");
    expect((await anonymous.untilClosed()).code).toBe(CLOSE_DUPLICATE_AGENT);
    expect(first.closed).toBeUndefined();
  });

  it("lets the same process reconnect, replacing its stale socket", async () => {
    const first = await connectReady([], "process-a");
    const again = await connectReady([], "process-a");
    expect((await first.untilClosed()).code).toBe(4000);
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm2", command: "id" } });
    const job = await again.next("job");
    again.send({ type: "result", id: job.id, chunks: 0, result: execResult("root\n") });
    expect((await call).structuredContent).toMatchObject({ stdout: "root\n" });
  });

  it("admits another process once the first has gone", async () => {
    const first = await connectReady([], "process-a");
    first.ws.close(1000, "agent stopped");
    await first.untilClosed();
    const second = await connectReady([], "process-b");
    expect(second.closed).toBeUndefined();
  });
});
