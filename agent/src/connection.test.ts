import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AGENT_INSTANCE_HEADER,
  CLOSE_DUPLICATE_AGENT,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
} from "@telecommande/shared";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentHandle, agentVersion, startAgent } from "./agent.js";
import { agentConnectUrl } from "./edge-url.js";
import { createLogger } from "./log.js";
import { type EdgeSocket, type FakeEdge, startFakeEdge } from "./testing/fake-edge.js";
import { eventually } from "./testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "./testing/ssh-server.js";

const TOKEN = "agent-token-0123456789";
let ssh: TestSshServer;
let edge: FakeEdge;
let agent: AgentHandle | undefined;
let logs: Record<string, unknown>[];
let lines: string[];
let dataDir: string;

beforeAll(async () => {
  ssh = await startTestSshServer();
});
afterAll(() => ssh.close());
beforeEach(async () => {
  edge = await startFakeEdge();
  logs = [];
  lines = [];
  dataDir = mkdtempSync(join(tmpdir(), "tc-conn-"));
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await edge.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(overrides: { heartbeatMs?: number; holdMs?: number; duplicateBackoffMs?: number } = {}): AgentHandle {
  const log = createLogger({
    agent: "default",
    level: "debug",
    sink: (l) => {
      lines.push(l);
      logs.push(JSON.parse(l));
    },
  });
  agent = startAgent({
    edgeUrl: edge.url,
    token: TOKEN,
    name: "default",
    vms: [ssh.vm()],
    dataDir,
    log,
    backoff: { table: [20, 40], capMs: 60 },
    heartbeatMs: overrides.heartbeatMs ?? 5000,
    holdMs: overrides.holdMs,
    duplicateBackoffMs: overrides.duplicateBackoffMs,
  });
  return agent;
}

/** Accepts the next agent connection and welcomes it. */
async function welcome(): Promise<EdgeSocket> {
  const socket = await edge.nextSocket();
  await socket.next((m) => m.type === "hello");
  socket.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "default" });
  await eventually(() => logs.filter((l) => l.event === "connected").length >= edge.sockets.length);
  return socket;
}

describe("agentConnectUrl", () => {
  it("maps http→ws and https→wss onto /agent/connect", () => {
    expect(agentConnectUrl("http://127.0.0.1:8787").toString()).toBe("ws://127.0.0.1:8787/agent/connect");
    expect(agentConnectUrl("https://x.workers.dev/").toString()).toBe("wss://x.workers.dev/agent/connect");
    expect(agentConnectUrl("https://h/base/?q=1#f").toString()).toBe("wss://h/base/agent/connect");
    expect(agentConnectUrl("ws://h/agent/connect").toString()).toBe("ws://h/agent/connect");
  });
});

describe("the edge connection", () => {
  it("says hello with its token, runs a job after welcome and answers with its result", async () => {
    start();
    const socket = await edge.nextSocket();
    expect(socket.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(socket.path).toBe("/agent/connect");
    expect(await socket.next((m) => m.type === "hello")).toEqual({
      type: "hello",
      agent: "default",
      version: agentVersion(),
      protocol: PROTOCOL_VERSION,
      vms: ["vm1"],
      jobs: [],
      uptime_s: expect.any(Number),
    });
    expect(agentVersion()).toMatch(/^\d+\.\d+\.\d+/);
    socket.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "default" });
    await eventually(() => agent?.state === "ready");
    expect(logs.find((l) => l.event === "connected")).toMatchObject({ level: "info", agent: "default" });

    socket.send({
      type: "job",
      id: "j1",
      caller: "alice",
      vm: "vm1",
      kind: "exec",
      command: "echo hi",
      timeout_ms: 5000,
    });
    const result = await socket.next((m) => m.type === "result");
    expect(result).toMatchObject({
      type: "result",
      id: "j1",
      result: { kind: "exec", stdout: "hi\n", return_code: 0 },
    });
    expect(socket.messages().filter((m) => m.type === "progress")).toEqual([]);
    expect(logs.find((l) => l.event === "job_end")).toMatchObject({ job_id: "j1", vm: "vm1", return_code: 0 });
    // The token never reaches a log line.
    expect(lines.join("\n")).not.toContain(TOKEN);
  });

  it("answers garbage with bad_message errors and keeps working", async () => {
    start();
    const socket = await welcome();
    // An ack, even of a job this agent does not know, is protocol: no answer.
    socket.send({ type: "ack", id: "nobody" });
    socket.send("this is not json");
    socket.send(Buffer.from([1, 2, 3]));
    socket.send({ type: "job", id: "x" });
    socket.send({ type: "result", id: "r", result: { kind: "probe", reachable: true, latency_ms: 1, reason: null } });
    socket.send({ type: "error", code: "internal", message: "edge trouble" });
    await eventually(() => socket.messages().filter((m) => m.type === "error").length >= 4);
    const errors = socket.messages().filter((m) => m.type === "error");
    expect(errors.map((e) => e.code)).toEqual(["bad_message", "bad_message", "bad_message", "bad_message"]);
    expect(errors[0]?.message).toBe("frame is not valid JSON");
    expect(errors[1]?.message).toBe("binary frames are not part of the protocol");
    expect(errors[2]?.message).toMatch(/^malformed message/);
    expect(errors[3]?.message).toBe('unexpected "result" message from the edge');
    expect(logs.some((l) => l.event === "edge_error" && l.message === "edge trouble")).toBe(true);

    socket.send({ type: "ping" });
    await eventually(() => socket.frames.includes(PONG_FRAME));
    socket.send({ type: "job", id: "p1", caller: "a", vm: "vm1", kind: "probe", timeout_ms: 2000 });
    expect(await socket.next((m) => m.type === "result")).toMatchObject({ id: "p1", result: { reachable: true } });
    expect(agent?.state).toBe("ready");
  });

  it("keeps a job running across a reconnect: the next hello names it, its answer follows the welcome", async () => {
    start();
    const first = await welcome();
    const job = { type: "job", id: "long", caller: "a", vm: "vm1", kind: "exec", timeout_ms: 60_000 };
    first.send({ ...job, command: "sleep 0.5; echo survived" });
    await eventually(() => ssh.execs.some((c) => c.includes("echo survived")));
    const killsBefore = ssh.signals.length;
    first.ws.close(1012, "edge restarting");
    const second = await edge.nextSocket();
    expect(await second.next((m) => m.type === "hello")).toMatchObject({ jobs: ["long"] });
    expect(logs.find((l) => l.event === "disconnected")).toMatchObject({ code: 1012, reason: "edge restarting" });
    expect(logs.find((l) => l.event === "jobs_held")).toMatchObject({ running_jobs: 1, hold_ms: 30_000 });
    await eventually(() => logs.some((l) => l.event === "job_end" && l.job_id === "long"), 5000);
    // Not welcomed yet: the hub would not route the answer from this socket.
    await new Promise((r) => setTimeout(r, 50));
    expect(second.messages().filter((m) => m.id === "long")).toEqual([]);
    second.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "default" });
    expect(await second.next((m) => m.type === "result")).toMatchObject({
      id: "long",
      result: { stdout: "survived\n", return_code: 0 },
    });
    expect(ssh.signals.length).toBe(killsBefore);

    // Acknowledged: forgotten, so the next hello no longer names it; and no answer to the ack.
    second.send({ type: "ack", id: "long" });
    second.send({ type: "ping" });
    await eventually(() => second.frames.includes(PONG_FRAME));
    second.ws.close(1012, "edge restarting again");
    const third = await edge.nextSocket();
    expect(await third.next((m) => m.type === "hello")).toMatchObject({ jobs: [] });
    expect(second.messages().filter((m) => m.type === "error")).toEqual([]);
  });

  it("kills held jobs on the remote side when the edge stays away past the hold", async () => {
    start({ holdMs: 300 });
    const first = await welcome();
    first.send({
      type: "job",
      id: "long",
      caller: "a",
      vm: "vm1",
      kind: "exec",
      command: "sleep 30",
      timeout_ms: 60_000,
    });
    await eventually(() => ssh.execs.some((c) => c.includes("sleep 30")));
    const killsBefore = ssh.signals.length;
    edge.refuse = () => 503;
    first.ws.close(1012, "edge restarting");
    await eventually(() => ssh.signals.length > killsBefore);
    expect(ssh.signals.at(-1)).toBe("TERM");
    expect(logs.find((l) => l.event === "jobs_abandoned")).toMatchObject({
      count: 1,
      reason: "the edge did not come back within 300 ms",
    });
    edge.refuse = () => null;
    const second = await welcome();
    expect(second.messages().find((m) => m.type === "hello")).toMatchObject({ jobs: [] });
    await new Promise((r) => setTimeout(r, 50));
    expect(second.messages().filter((m) => m.id === "long")).toEqual([]);
  });

  it("logs auth_failed on 401 and keeps retrying with backoff until the token is accepted", async () => {
    edge.refuse = () => 401;
    start();
    await eventually(() => edge.attempts >= 3);
    const failures = logs.filter((l) => l.event === "auth_failed");
    // Logged once for the streak, not once per attempt.
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: "error", status: 401, attempt: 1 });
    expect(String(failures[0]?.message)).toMatch(/AGENT_TOKEN/);
    edge.refuse = () => null;
    await welcome();
    expect(agent?.state).toBe("ready");
  });

  it("sends PING_FRAME heartbeats and reconnects when the edge goes silent", async () => {
    start({ heartbeatMs: 80 });
    const silent = await welcome();
    await eventually(() => silent.frames.includes(PING_FRAME));
    // This edge never answers: after three silent periods the agent gives up on the socket.
    expect(await silent.closed).toBe(1006);
    expect(logs.some((l) => l.event === "heartbeat_timeout")).toBe(true);
    const lively = await welcome();
    lively.ws.on("message", (data) => {
      if (data.toString() === PING_FRAME) lively.ws.send(PONG_FRAME);
    });
    await new Promise((r) => setTimeout(r, 250));
    expect(edge.sockets).toHaveLength(2);
    expect(agent?.state).toBe("ready");
  });

  it("refuses an edge that speaks another protocol version, then retries", async () => {
    start();
    const socket = await edge.nextSocket();
    await socket.next((m) => m.type === "hello");
    socket.send({ type: "welcome", protocol: PROTOCOL_VERSION + 1, agent: "default" });
    expect(await socket.closed).toBe(4002);
    expect(logs.some((l) => l.event === "protocol_mismatch")).toBe(true);
    await edge.nextSocket();
  });

  it("backs off long when the edge refuses it as a second process of its name, then tries again", async () => {
    start({ duplicateBackoffMs: 600 });
    const refused = await edge.nextSocket();
    await refused.next((m) => m.type === "hello");
    const instance = refused.headers[AGENT_INSTANCE_HEADER.toLowerCase()];
    expect(instance).toMatch(/^[0-9a-f-]{36}$/);
    refused.ws.close(CLOSE_DUPLICATE_AGENT, 'agent "default" is already connected from another process');
    await eventually(() => logs.some((l) => l.event === "duplicate_agent"));
    const logged = logs.find((l) => l.event === "duplicate_agent");
    expect(logged).toMatchObject({
      level: "error",
      reason: 'agent "default" is already connected from another process',
    });
    expect(String(logged?.message)).toMatch(/give each agent its own name/);
    // The normal backoff here is 20-60 ms: a duplicate waits its own, long delay instead.
    await new Promise((r) => setTimeout(r, 300));
    expect(edge.attempts).toBe(1);
    const next = await edge.nextSocket();
    await next.next((m) => m.type === "hello");
    next.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "default" });
    await eventually(() => agent?.state === "ready");
    expect(edge.attempts).toBe(2);
    // The same process says it is the same process: the hub may let it replace its socket.
    expect(next.headers[AGENT_INSTANCE_HEADER.toLowerCase()]).toBe(instance);
  });

  it("stops cleanly: closes the socket with 1001 and does not reconnect", async () => {
    start();
    const socket = await welcome();
    await agent?.stop();
    expect(await socket.closed).toBe(1001);
    await new Promise((r) => setTimeout(r, 100));
    expect(edge.sockets).toHaveLength(1);
    expect(logs.at(-1)?.event).toBe("stopped");
  });
});
