/** @module A scripted agent on a real WebSocket into the hub, for the edge tests inside workerd. */
import { SELF } from "cloudflare:test";
import { AGENT_INSTANCE_HEADER, type Message, PROTOCOL_VERSION, parseMessage } from "@telecommande/shared";
import { afterEach } from "vitest";
import { AGENT_TOKEN } from "./fixtures.js";

/** A scripted agent on a real WebSocket into the hub. */
export class FakeAgent {
  readonly inbox: Message[] = [];
  private waiters: (() => void)[] = [];
  /** How the hub closed this socket, once it did. */
  closed: { code: number; reason: string } | undefined;
  constructor(readonly ws: WebSocket) {
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      for (const w of this.waiters.splice(0)) w();
    });
    ws.addEventListener("message", (e) => {
      const parsed = parseMessage(e.data);
      if (parsed.ok) this.inbox.push(parsed.message);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }
  async untilClosed(): Promise<{ code: number; reason: string }> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.closed;
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

/** `instance`: the agent process's id, as real agents send it (none: an agent that sends none). */
export async function connect(token = AGENT_TOKEN, instance?: string): Promise<{ status: number; agent?: FakeAgent }> {
  const headers: Record<string, string> = { Upgrade: "websocket", Authorization: `Bearer ${token}` };
  if (instance) headers[AGENT_INSTANCE_HEADER] = instance;
  const res = await SELF.fetch("http://127.0.0.1/agent/connect", { headers });
  if (!res.webSocket) return { status: res.status };
  res.webSocket.accept();
  open.push(res.webSocket);
  return { status: res.status, agent: new FakeAgent(res.webSocket) };
}

export async function connectReady(jobs: string[] = [], instance?: string): Promise<FakeAgent> {
  const { agent } = await connect(AGENT_TOKEN, instance);
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
