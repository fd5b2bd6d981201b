import { SELF } from "cloudflare:test";
import { type Message, PROTOCOL_VERSION, parseMessage, type RunParallel } from "@telecommande/shared";
import { afterEach, describe, expect, it } from "vitest";
import { execResult } from "./fake-agent.js";
import { AGENT_TOKEN, mcpClient } from "./fixtures.js";

const open: WebSocket[] = [];
afterEach(() => {
  for (const ws of open.splice(0)) ws.close();
});

/** A scripted agent: connects, says hello, and hands out the jobs it receives. */
async function agent(): Promise<{ ws: WebSocket; job: () => Promise<Extract<Message, { type: "job" }>> }> {
  const res = await SELF.fetch("http://127.0.0.1/agent/connect", {
    headers: { Upgrade: "websocket", Authorization: `Bearer ${AGENT_TOKEN}` },
  });
  const ws = res.webSocket as WebSocket;
  ws.accept();
  open.push(ws);
  const inbox: Message[] = [];
  let wake: (() => void) | undefined;
  ws.addEventListener("message", (e) => {
    const parsed = parseMessage(e.data);
    if (parsed.ok) inbox.push(parsed.message);
    wake?.();
  });
  const next = async (type: Message["type"]) => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0] as Message;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  ws.send(
    JSON.stringify({ type: "hello", agent: "default", version: "t", protocol: PROTOCOL_VERSION, vms: ["vm1", "vm2"] }),
  );
  await next("welcome");
  return { ws, job: async () => (await next("job")) as Extract<Message, { type: "job" }> };
}

describe("fan-out through the hub", () => {
  it("sends one job for the agent's VMs and answers in the order named, whatever order outcomes arrive in", async () => {
    const { ws, job } = await agent();
    const alice = await mcpClient("Bearer alice-key");
    const call = alice.callTool({ name: "ssh_run_parallel", arguments: { groups: ["dev"], command: "hostname" } });
    const sent = await job();
    expect(sent).toMatchObject({ kind: "fanout", vms: ["vm1", "vm2"], command: "hostname", caller: "alice" });
    const id = sent.id;
    ws.send(
      JSON.stringify({ type: "vm_result", id, vm: "vm2", outcome: { ok: true, result: execResult("two\n", 1) } }),
    );
    // The result may overtake the last outcome: the hub waits for the count it announces.
    ws.send(JSON.stringify({ type: "result", id, result: { kind: "fanout", count: 2 } }));
    ws.send(JSON.stringify({ type: "vm_result", id, vm: "vm1", outcome: { ok: true, result: execResult("one\n") } }));
    const res = await call;
    expect(res.isError).toBe(true);
    const { summary, results } = res.structuredContent as RunParallel;
    expect(results.map((r) => [r.vm, r.stdout, r.return_code])).toEqual([
      ["vm1", "one\n", 0],
      ["vm2", "two\n", 1],
    ]);
    expect(summary).toMatchObject({ total: 2, succeeded: 1, failed: 1, timed_out: 0, unreachable: 0 });
  });
});
