/**
 * A graceful stop (what SIGTERM triggers): jobs that finish within the grace answer as
 * usual, the others are stopped on the VM (SIGTERM first) and each tells the edge the agent
 * is shutting down; a job that arrives meanwhile is refused the same way. Nothing is silent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROTOCOL_VERSION } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent } from "./agent.js";
import { createLogger } from "./log.js";
import { startFakeEdge } from "./testing/fake-edge.js";
import { eventually } from "./testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "./testing/ssh-server.js";

let ssh: TestSshServer;
beforeAll(async () => {
  ssh = await startTestSshServer();
});
afterAll(() => ssh.close());

const job = (id: string, command: string) => ({
  type: "job",
  id,
  caller: "alice",
  vm: "vm1",
  kind: "exec",
  command,
  timeout_ms: 60_000,
});

describe("a graceful stop", () => {
  it("lets quick jobs finish, stops the rest with SIGTERM and reports each, refusing new ones", async () => {
    const edge = await startFakeEdge();
    const dataDir = mkdtempSync(join(tmpdir(), "tc-stop-"));
    const logs: Record<string, unknown>[] = [];
    const log = createLogger({ agent: "default", level: "debug", sink: (l) => logs.push(JSON.parse(l)) });
    const agent = startAgent({
      edgeUrl: edge.url,
      token: "agent-token-0123456789",
      name: "default",
      vms: [ssh.vm()],
      dataDir,
      log,
      shutdownGraceMs: 800,
    });
    try {
      const socket = await edge.nextSocket();
      await socket.next((m) => m.type === "hello");
      socket.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "default" });
      await eventually(() => agent.state === "ready");
      socket.send(job("quick", "sleep 0.3; echo finished"));
      socket.send(job("slow", "sleep 30; echo never"));
      await eventually(() => logs.filter((l) => l.event === "job_start").length === 2);
      await new Promise((r) => setTimeout(r, 100));

      const stopped = agent.stop();
      await eventually(() => logs.some((l) => l.event === "draining_jobs"));
      socket.send(job("late", "echo too late"));

      const quick = await socket.next((m) => m.id === "quick" && m.type === "result");
      expect(quick).toMatchObject({ result: { kind: "exec", stdout: "finished\n", return_code: 0 } });
      const late = await socket.next((m) => m.id === "late");
      expect(late).toMatchObject({
        type: "error",
        code: "agent_unavailable",
        message: "the agent is shutting down; retry once it is back",
      });
      const slow = await socket.next((m) => m.id === "slow", 5_000);
      expect(slow).toMatchObject({
        type: "error",
        code: "cancelled",
        message: "the agent is shutting down: the job was stopped (SIGTERM, then SIGKILL on the VM)",
      });
      await stopped;
      expect(ssh.signals).toContain("TERM");
      expect(logs.find((l) => l.event === "jobs_drained")).toMatchObject({ finished: 1, stopped: 1 });
      expect(await socket.closed).toBe(1001);
    } finally {
      await agent.stop();
      await edge.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
