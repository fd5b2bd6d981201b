/**
 * @module Failures of the moving parts: the agent killed mid-job, the agent restarted,
 * the edge restarted on the same port. Nothing may hang; everything must come back by
 * itself. The tests run in order and share one stack.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { RECONNECT_GRACE_MS } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { expectToolError, runCommand, runOk } from "./harness/expect-tool.js";
import { sshdAvailable, textOf, VM, waitFor } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

/** Settles a call without an unhandled rejection while the test does other things. */
function settle(call: Promise<CallToolResult>) {
  return call.then(
    (result) => ({ result, error: undefined }),
    (error: Error) => ({ result: undefined, error }),
  );
}

describe.skipIf(!sshdAvailable())("resilience", () => {
  const env = useStack();

  it("works before anything breaks", async () => {
    expect((await runOk(env.admin, VM.alpha, "echo baseline")).stdout).toBe("baseline\n");
  });

  it("an agent killed mid-job fails the call once the reconnect grace is over, saying the agent disconnected", async () => {
    const started = path.join(env.stack.sshd.runDir, "long-job-started");
    const pending = settle(runCommand(env.admin, VM.alpha, `touch '${started}'; sleep 30`, 60, 60_000));
    await waitFor("the long job to start on the VM", () => existsSync(started), 15_000, 25);

    const killedAt = Date.now();
    await env.stack.agent.kill("SIGKILL");
    const { result, error } = await pending;
    const elapsed = Date.now() - killedAt;

    expect(error, `the call threw instead of returning a tool error: ${error?.message}`).toBeUndefined();
    expect(expectToolError(result as CallToolResult)).toMatch(
      /the agent disconnected during the job .*did not come back within 10 s/,
    );
    // The job waited for the agent to come back (a dropped connection is not a dead agent), then no longer.
    expect(elapsed).toBeGreaterThanOrEqual(RECONNECT_GRACE_MS - 1_000);
    expect(elapsed).toBeLessThan(RECONNECT_GRACE_MS + 5_000);
  }, 30_000);

  it("with no agent connected, a call fails with a clear error instead of hanging", async () => {
    expect(env.stack.agent.running).toBe(false);
    const startedAt = Date.now();
    const result = await runCommand(env.admin, VM.alpha, "echo nobody-home", undefined, 30_000);
    expect(expectToolError(result)).toMatch(/agent/i);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it("a restarted agent reconnects and calls work again", async () => {
    await env.stack.agent.restart();
    expect((await runOk(env.admin, VM.beta, "echo agent-is-back")).stdout).toBe("agent-is-back\n");
  });

  it("an agent restarted mid-job fails the call as soon as it is back, without waiting out the grace", async () => {
    const started = path.join(env.stack.sshd.runDir, "job-before-restart");
    const pending = settle(runCommand(env.admin, VM.beta, `touch '${started}'; sleep 30`, 60, 60_000));
    await waitFor("the long job to start on the VM", () => existsSync(started), 15_000, 25);

    const killedAt = Date.now();
    await env.stack.agent.kill("SIGKILL");
    await env.stack.agent.restart();
    const { result } = await pending;
    expect(expectToolError(result as CallToolResult)).toMatch(/the agent reconnected without this job/);
    expect(Date.now() - killedAt).toBeLessThan(RECONNECT_GRACE_MS);
    expect((await runOk(env.admin, VM.beta, "echo after-restart")).stdout).toBe("after-restart\n");
  }, 30_000);

  it("after an edge restart on the same port, the agent reconnects by itself", async () => {
    const agentPid = env.stack.agent.pid;
    const edgePid = env.stack.edge.pid;
    const mark = env.stack.agent.mark();
    // Down long enough (12 s) for an uncapped exponential backoff to be waiting well over 5 s.
    await env.stack.edge.restart(12_000);
    const edgeReadyAt = Date.now();
    await env.stack.agent.waitForEvent("connected", 30_000, mark);
    const reconnectMs = Date.now() - edgeReadyAt;

    expect(env.stack.edge.pid, "wrangler was not restarted").not.toBe(edgePid);
    expect(env.stack.agent.pid, "the agent process was replaced, not reconnected").toBe(agentPid);
    expect(env.stack.agent.running).toBe(true);
    // Backoff capped at 5 s: once the edge is back, the next attempt comes within the cap
    // (plus the WebSocket handshake).
    expect(reconnectMs).toBeLessThan(6_000);

    const fresh = await env.stack.connect(env.stack.keys.admin);
    expect((await runOk(fresh, VM.gamma, "echo edge-is-back")).stdout).toBe("edge-is-back\n");
    // Stateless HTTP: a client connected before the restart keeps working.
    const old = await runCommand(env.admin, VM.alpha, "echo old-client");
    expect(old.isError, textOf(old)).not.toBe(true);
  });
});
