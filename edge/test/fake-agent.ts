/** @module A scripted agent on a real WebSocket into the hub, for the edge tests inside workerd. */
import { SELF } from "cloudflare:test";
import { type Message, PROTOCOL_VERSION, parseMessage } from "@telecommande/shared";
import { afterEach } from "vitest";
import { AGENT_TOKEN } from "./fixtures.js";

/** A scripted agent on a real WebSocket into the hub. */
export class FakeAgent {
  readonly inbox: Message[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const parsed = parseMessage(e.data);
      if (parsed.ok) this.inbox.push(parsed.message);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }
  async next<T extends Message["type"]>(type: T): Promise<Extract<Message, { type: T }>> {
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<Message, { type: T }>;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

const open: WebSocket[] = [];
afterEach(() => {
  for (const ws of open.splice(0)) ws.close();
});

export async function connect(token = AGENT_TOKEN): Promise<{ status: number; agent?: FakeAgent }> {
  const res = await SELF.fetch("http://127.0.0.1/agent/connect", {
    headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` },
  });
  if (!res.webSocket) return { status: res.status };
  res.webSocket.accept();
  open.push(res.webSocket);
  return { status: res.status, agent: new FakeAgent(res.webSocket) };
}

export async function connectReady(jobs: string[] = []): Promise<FakeAgent> {
  const { agent } = await connect();
  if (!agent) throw new Error("agent refused");
  agent.send({
    type: "hello",
    agent: "default",
    version: "test",
    protocol: PROTOCOL_VERSION,
    vms: ["vm1", "vm2"],
    jobs,
  });
  await agent.next("welcome");
  return agent;
}

/** An exec result as an agent sends it: exited `return_code` with `stdout`. */
export function execResult(stdout: string, return_code = 0) {
  return {
    kind: "exec",
    status: "executed",
    stdout,
    stderr: "",
    return_code,
    signal: null,
    error: null,
    duration_ms: 3,
    stdout_truncated: false,
    stderr_truncated: false,
  } as const;
}
