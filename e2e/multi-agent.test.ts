/**
 * Two real agents: VMs name their agent, the edge routes each VM to it, and one
 * ssh_run_parallel call runs on both at once. A VM whose agent is offline gets its own
 * clear error entry while the others run.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type RunParallel, sha256Hex, TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Agent,
  callTool,
  type Stack,
  sshdAvailable,
  startAgent,
  startStack,
  stopAllStacks,
  VM,
} from "./harness/index.js";
import { pollJob, startJob } from "./harness/jobs.js";

const SECOND = "second";

describe.skipIf(!sshdAvailable())("a fleet served by two agents", () => {
  let stack: Stack;
  let second: Agent | undefined;
  let admin: Client;
  const secondToken = `second-${randomBytes(18).toString("base64url")}`;

  beforeAll(async () => {
    const secondHash = await sha256Hex(secondToken);
    // The second agent's VMs are the stack's own sshd hosts under other names: what differs is who dials them.
    stack = await startStack({
      permissions: true,
      extra: (sshd) => ({
        vms: ["127.0.0.1", "127.0.0.2"].map((host, i) => ({
          name: `far-${i + 1}`,
          host,
          port: sshd.port,
          user: sshd.user,
          key: sshd.clientKey,
          host_key: sshd.hostKeyFingerprint,
          agent: SECOND,
        })),
        groups: [{ name: "far", vms: ["far-1", "far-2"] }],
        agents: [{ name: SECOND, token_sha256: secondHash }],
      }),
    });
    second = await startAgent({
      dir: path.join(stack.dir, "agent-second"),
      configPath: stack.configPath,
      edgeUrl: stack.edge.url,
      token: secondToken,
      name: SECOND,
    });
    admin = await stack.connect(stack.keys.admin);
  }, 180_000);
  afterAll(async () => {
    await second?.stop();
    await stopAllStacks();
  });

  const run = (args: Record<string, unknown>) => callTool(admin, TOOL_NAMES.runParallel, args, 120_000);

  it("runs one call on both agents at once, each VM on the agent that serves it", async () => {
    const firstMark = stack.agent.mark();
    const secondMark = second?.mark() ?? 0;
    const result = await run({
      vm_names: [VM.alpha, "far-1", VM.beta, "far-2"],
      command: "echo $SSH_CONNECTION | cut -d' ' -f3",
    });
    const { summary, results } = result.structuredContent as RunParallel;
    expect(result.isError).not.toBe(true);
    expect(summary).toMatchObject({ total: 4, succeeded: 4 });
    expect(results.map((r) => [r.vm, r.stdout])).toEqual([
      [VM.alpha, "127.0.0.1\n"],
      ["far-1", "127.0.0.1\n"],
      [VM.beta, "127.0.0.2\n"],
      ["far-2", "127.0.0.2\n"],
    ]);
    // One fan-out job per agent, each naming only its own VMs.
    const jobs = (events: readonly { event: string }[]) =>
      events.filter((e) => e.event === "job_start" && (e as { kind?: string }).kind === "fanout");
    expect(jobs(stack.agent.events.slice(firstMark))).toHaveLength(1);
    expect(jobs(second?.events.slice(secondMark) ?? [])).toHaveLength(1);
    expect(jobs(stack.agent.events.slice(firstMark))[0]).toMatchObject({ vms: 2 });
  });

  it("runs a background fan-out on both agents; ssh_job_status puts their parts together", async () => {
    const id = await startJob(admin, TOOL_NAMES.runParallel, {
      vm_names: ["far-2", VM.gamma, "far-1"],
      command: "sleep 0.5; echo $SSH_CONNECTION | cut -d' ' -f3",
    });
    const done = await pollJob(admin, id, 20_000);
    expect(done).toMatchObject({ state: "succeeded", progress: { done: 3, total: 3 } });
    expect((done.result as RunParallel).results.map((r) => [r.vm, r.stdout])).toEqual([
      ["far-2", "127.0.0.2\n"],
      [VM.gamma, "127.0.0.3\n"],
      ["far-1", "127.0.0.1\n"],
    ]);
  });

  it("gives the VMs of an offline agent their own error while the others run", async () => {
    await second?.stop();
    const result = await run({ vm_names: [VM.alpha, "far-1"], command: "echo ok" });
    const { summary, results } = result.structuredContent as RunParallel;
    expect(result.isError).toBe(true);
    expect(results[0]).toMatchObject({ vm: VM.alpha, status: "executed", stdout: "ok\n" });
    expect(results[1]).toMatchObject({
      vm: "far-1",
      status: "error",
      return_code: null,
      error: `agent "${SECOND}" is not connected`,
    });
    expect(summary).toMatchObject({ total: 2, succeeded: 1, unreachable: 1 });
  });

  it("a background fan-out with an offline agent: its VMs are error entries in the job's result", async () => {
    const id = await startJob(admin, TOOL_NAMES.runParallel, { vm_names: ["far-1", VM.alpha], command: "echo ok" });
    const done = await pollJob(admin, id, 20_000);
    expect(done.state).toBe("failed");
    expect((done.result as RunParallel).results).toMatchObject([
      { vm: "far-1", status: "error", error: `agent "${SECOND}" is not connected` },
      { vm: VM.alpha, status: "executed", stdout: "ok\n" },
    ]);
  });
});
