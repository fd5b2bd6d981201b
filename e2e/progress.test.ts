/**
 * Live progress: a client that sends a progressToken gets `notifications/progress` while a
 * call runs (the latest output lines of one command; VMs done / total of a fan-out), as the
 * official SDK client sees them. Without a token the answer stays plain JSON.
 */
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { type RunCommand, type RunParallel, TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { MCP_POST_HEADERS, rawRequest, sshdAvailable, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

describe.skipIf(!sshdAvailable())("progress notifications", () => {
  const env = useStack();

  async function callWithProgress(name: string, args: Record<string, unknown>) {
    const updates: Progress[] = [];
    const result = await env.admin.callTool({ name, arguments: args }, undefined, {
      timeout: 60_000,
      onprogress: (p) => updates.push(p),
    });
    return { result, updates };
  }

  it("streams the latest output lines of a running command, then its full result", async () => {
    const command = "for i in 1 2 3 4 5 6; do echo line-$i; sleep 0.3; done";
    const { result, updates } = await callWithProgress(TOOL_NAMES.runCommand, { vm_name: VM.alpha, command });
    expect((result.structuredContent as RunCommand).stdout).toBe("line-1\nline-2\nline-3\nline-4\nline-5\nline-6\n");
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expect(updates[0]?.message).toMatch(/^line-1\n/);
    for (const update of updates) expect(update.message).toMatch(/^(line-\d\n)+$/);
    // Progress only goes up.
    const values = updates.map((u) => u.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
  });

  it("reports VMs done out of the total during a fan-out, ending at the total", async () => {
    const command = `case "$SSH_CONNECTION" in *" 127.0.0.2 "*) sleep 0.6;; *" 127.0.0.3 "*) sleep 1.2;; esac; echo ok`;
    const { result, updates } = await callWithProgress(TOOL_NAMES.runParallel, {
      vm_names: [VM.alpha, VM.beta, VM.gamma],
      command,
    });
    expect((result.structuredContent as RunParallel).summary).toMatchObject({ total: 3, succeeded: 3 });
    expect(updates.map((u) => [u.progress, u.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(updates.at(-1)?.message).toBe(`3/3 VMs done (last: ${VM.gamma})`);
  });

  it("answers as SSE only when asked for progress; otherwise plain JSON", async () => {
    const call = (meta: Record<string, unknown>) =>
      rawRequest({
        url: env.stack.edge.mcpUrl,
        method: "POST",
        headers: { ...MCP_POST_HEADERS, Authorization: `Bearer ${env.stack.keys.admin}` },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name: TOOL_NAMES.runCommand, arguments: { vm_name: VM.alpha, command: "echo hi" }, _meta: meta },
        }),
      });
    const plain = await call({});
    expect(plain.headers["content-type"]).toMatch(/^application\/json/);
    const streamed = await call({ progressToken: "p-1" });
    expect(streamed.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(streamed.body).toContain('"stdout":"hi\\n"');
  });
});
