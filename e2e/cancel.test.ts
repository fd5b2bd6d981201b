/**
 * Cancellation reaches the VM: a client that cancels a call (the SDK sends
 * notifications/cancelled on a request of its own) stops the remote command, one VM or a
 * whole fan-out; `ps` on the target then finds nothing of it.
 */
import { randomInt } from "node:crypto";
import { TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { MCP_POST_HEADERS, sshdAvailable, VM, waitFor } from "./harness/index.js";
import { processesWith } from "./harness/jobs.js";
import { useStack } from "./harness/use-stack.js";

describe.skipIf(!sshdAvailable())("cancellation", () => {
  const env = useStack();

  async function startThenCancel(name: string, args: Record<string, unknown>, token: string, expected: number) {
    const controller = new AbortController();
    const call = env.admin.callTool({ name, arguments: args }, undefined, {
      signal: controller.signal,
      timeout: 60_000,
    });
    const settled = call.then(
      () => "answered",
      (error: Error) => error.name,
    );
    // Running on every VM: a bash and its sleep each.
    await waitFor(`${expected} remote sleeps`, () => processesWith(`sleep ${token}`).length >= expected, 10_000);
    controller.abort("the user changed their mind");
    expect(await settled).not.toBe("answered");
    await waitFor("the remote command to be gone", () => processesWith(token).length === 0, 5_000).catch(() => {
      throw new Error(`still running after the cancel:\n${processesWith(token).join("\n")}`);
    });
  }

  it("stops a single command on its VM", async () => {
    const token = String(randomInt(100_000, 999_999));
    const since = env.stack.agent.mark();
    await startThenCancel(
      TOOL_NAMES.runCommand,
      { vm_name: VM.alpha, command: `echo started; sleep ${token}` },
      token,
      1,
    );
    const end = await env.stack.agent.waitForEvent("job_end", 5_000, since);
    expect(end).toMatchObject({ status: "cancelled" });
  });

  it("stops a fan-out on every VM", async () => {
    const token = String(randomInt(100_000, 999_999));
    await startThenCancel(
      TOOL_NAMES.runParallel,
      { vm_names: [VM.alpha, VM.beta, VM.gamma], command: `sleep ${token}` },
      token,
      3,
    );
  });

  it("leaves other calls alone", async () => {
    const token = String(randomInt(100_000, 999_999));
    const other = env.admin.callTool({
      name: TOOL_NAMES.runCommand,
      arguments: { vm_name: VM.beta, command: "sleep 1.5; echo survived" },
    });
    await startThenCancel(TOOL_NAMES.runCommand, { vm_name: VM.alpha, command: `sleep ${token}` }, token, 1);
    expect((await other).structuredContent).toMatchObject({ stdout: "survived\n", return_code: 0 });
  });

  it("a client that closes the stream of a call stops its command (no cancel notification needed)", async () => {
    const token = String(randomInt(100_000, 999_999));
    const since = env.stack.agent.mark();
    const controller = new AbortController();
    // A progress token makes the answer an SSE stream; closing it is the cancel signal.
    const response = await fetch(env.stack.edge.mcpUrl, {
      method: "POST",
      headers: { ...MCP_POST_HEADERS, Authorization: `Bearer ${env.stack.keys.admin}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 41,
        method: "tools/call",
        params: {
          name: TOOL_NAMES.runCommand,
          arguments: { vm_name: VM.gamma, command: `echo started; sleep ${token}` },
          _meta: { progressToken: "close-me" },
        },
      }),
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    await waitFor("the remote sleep", () => processesWith(`sleep ${token}`).length >= 1, 10_000);
    controller.abort();
    await waitFor("the remote command to be gone", () => processesWith(token).length === 0, 5_000).catch(() => {
      throw new Error(`still running after the stream closed:\n${processesWith(token).join("\n")}`);
    });
    const end = await env.stack.agent.waitForEvent("job_end", 5_000, since);
    expect(end).toMatchObject({ status: "cancelled" });
  });
});
