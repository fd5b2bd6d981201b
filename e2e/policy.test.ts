/**
 * Policy end to end, through wrangler dev, the agent and a real sshd: a deny rule refuses
 * before anything reaches the VM (a marker file stays absent), and the confirmation round
 * trip of `confirm: destructive` runs a real command exactly once.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_NAMES } from "@telecommande/shared";
import { afterAll, describe, expect, it } from "vitest";
import { callTool, sshdAvailable, textOf } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

const PROD = "prod-1";
const marker = (label: string) => `/tmp/tlc-e2e-policy-${label}-${randomBytes(6).toString("hex")}`;

describe.skipIf(!sshdAvailable())("policy through the real stack", () => {
  // prod-1 is the stack's own sshd under another name, governed (for admin) by "prod" only.
  const env = useStack({
    permissions: true,
    extra: (sshd) => ({
      vms: [
        {
          name: PROD,
          host: "127.0.0.1",
          port: sshd.port,
          user: sshd.user,
          key: sshd.clientKey,
          host_key: sshd.hostKeyFingerprint,
        },
      ],
      groups: [{ name: "prod", vms: [PROD], deny: ["touch *", "/\\brm\\b/"], confirm: "destructive" }],
    }),
  });
  const markers: string[] = [];
  afterAll(() => {
    for (const path of markers) rmSync(path, { force: true });
  });

  const run = (args: Record<string, unknown>): Promise<CallToolResult> =>
    callTool(env.admin, TOOL_NAMES.runCommand, { vm_name: PROD, ...args });

  it("a deny rule refuses, naming it, and nothing runs on the VM", async () => {
    const path = marker("deny");
    markers.push(path);
    const result = await run({ command: `touch ${path}` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      `ssh_run_command on ${PROD} refused by policy: command matches deny rule "touch *" of group "prod"`,
    );
    expect(existsSync(path)).toBe(false);
    // The edge's audit line (a console.warn) reaches wrangler's output shortly after.
    await expect
      .poll(() => env.stack.edge.logTail(), { timeout: 5_000 })
      .toMatch(/"event":"audit".*"decision":"deny","reason":"command matches deny rule \\"touch \*\\"/);
  });

  it("confirm: the first call runs nothing, the second with its token runs once, a third is refused", async () => {
    const path = marker("confirm");
    markers.push(path);
    const command = `echo ran >> ${path}`;
    const first = await run({ command });
    expect(first.isError).toBe(true);
    const blocks = first.content as { type: string; text: string }[];
    const asked = JSON.parse(blocks[1]?.text ?? "{}") as { confirmation_token: string; would_run: string };
    expect(asked.would_run).toBe(command);
    expect(existsSync(path)).toBe(false);

    const second = await run({ command, confirmation_token: asked.confirmation_token });
    expect(second.isError, textOf(second)).toBeFalsy();
    expect(readFileSync(path, "utf8")).toBe("ran\n");

    const third = await run({ command, confirmation_token: asked.confirmation_token });
    expect(third.isError).toBe(true);
    expect(textOf(third)).toContain("confirmation_token was already used");
    expect(readFileSync(path, "utf8")).toBe("ran\n");
  });

  it("leaves the groups without policy alone: the same command on another VM runs without asking", async () => {
    const result = await callTool(env.admin, TOOL_NAMES.runCommand, { vm_name: "alpha", command: "echo free" });
    expect(result.isError, textOf(result)).toBeFalsy();
  });
});
