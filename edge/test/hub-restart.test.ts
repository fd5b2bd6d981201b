/**
 * Background jobs survive a restart of their hub (the Durable Object is reset; its SQLite
 * stays): the agent that reconnects and claims the job delivers the rest of its answer; a
 * job whose agent never comes back is failed by the hub's alarm after the reconnect grace.
 */
import { abortAllDurableObjects, env, runDurableObjectAlarm } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type JobStatus, RECONNECT_GRACE_MS, type RunCommand } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { connectReady, execResult, type FakeAgent } from "./fake-agent.js";
import { mcpClient } from "./fixtures.js";

const hub = () => env.AGENT_HUB.get(env.AGENT_HUB.idFromName("default"));

async function status(client: Client, job_id: string): Promise<JobStatus> {
  return (await client.callTool({ name: "ssh_job_status", arguments: { job_id } })).structuredContent as JobStatus;
}

async function start(agent: FakeAgent, client: Client): Promise<string> {
  const res = await client.callTool({
    name: "ssh_run_command",
    arguments: { vm_name: "vm1", command: "make release", background: true },
  });
  const id = (res.structuredContent as RunCommand).job_id as string;
  await agent.next("job");
  return id;
}

describe("background jobs across a hub restart", () => {
  it("keep the pieces that arrived before it and take the rest from the agent that comes back", async () => {
    const first = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const id = await start(first, alice);
    first.send({ type: "progress", id, seq: 0, stream: "stdout", data: "before the restart\n" });
    // A status read goes through the hub after the chunk, so the chunk is stored by then.
    expect((await status(alice, id)).state).toBe("running");

    await abortAllDurableObjects();
    const second = await connectReady([id]);
    second.send({
      type: "result",
      id,
      chunks: 1,
      result: execResult("after it\n"),
    });
    expect((await second.next("ack")).id).toBe(id);
    const done = await status(alice, id);
    expect(done).toMatchObject({ state: "succeeded", result: { stdout: "before the restart\nafter it\n" } });
  });

  it("are failed by the alarm when the agent does not come back within the grace", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const id = await start(agent, alice);
    await abortAllDurableObjects();
    // The first alarm finds the job's connection gone and starts the agent's grace.
    expect(await runDurableObjectAlarm(hub())).toBe(true);
    expect((await status(alice, id)).state).toBe("running");
    await new Promise((r) => setTimeout(r, RECONNECT_GRACE_MS + 200));
    await runDurableObjectAlarm(hub());
    const lost = await status(alice, id);
    expect(lost.state).toBe("failed");
    expect(lost.error).toMatch(
      /during the job, and the agent did not come back within 10 s; the job's outcome is unknown$/,
    );
  }, 20_000);
});
