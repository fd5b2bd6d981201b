/**
 * The MCP Inspector's CLI (pinned 1.0.3) as a third-party client of the edge: it lists and
 * calls tools with `Authorization: Bearer <key>` from `--header`, and a wrong key is refused.
 * Each run starts node twice (the `mcp-inspector` launcher, then its CLI), so the runs go
 * concurrently.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DENIED_MESSAGE, type RunCommand, TOOL_NAMES, TOOLS } from "@telecommande/shared";
import { afterAll, beforeAll, describe, it } from "vitest";
import { ALL_VMS, sshdAvailable, VM } from "./harness/index.js";
import { type ProgramRun, runInspector } from "./harness/inspector.js";
import { useStack } from "./harness/use-stack.js";

describe.skipIf(!sshdAvailable())("MCP Inspector CLI against the edge", { concurrent: true }, () => {
  const env = useStack();
  /** The CLI runs' log files. */
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "tlc-inspector-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const inspector = async (label: string, key: string | undefined, methodArgs: string[]) => {
    const run = await runInspector(env.stack.edge.mcpUrl, dir, key, methodArgs);
    console.log(`inspector ${label}: exit ${run.code} in ${run.ms} ms`);
    return run;
  };
  /** The JSON the CLI prints on success; the failure message carries its exit and stderr. */
  const jsonOf = <T>(run: ProgramRun): T => {
    if (run.code !== 0) throw new Error(`mcp-inspector exited ${run.code} (timed out: ${run.timedOut})\n${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  };

  it("tools/list with the admin key lists every tool of the shared table", async ({ expect }) => {
    const run = await inspector("tools/list", env.stack.keys.admin, ["--method", "tools/list"]);
    const { tools } = jsonOf<{ tools: { name: string; inputSchema: { type: string } }[] }>(run);
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    for (const tool of tools) expect(tool.inputSchema.type, tool.name).toBe("object");
  });

  it("tools/call ssh_list_vms returns the admin's VMs", async ({ expect }) => {
    const args = ["--method", "tools/call", "--tool-name", TOOL_NAMES.listVms];
    const result = jsonOf<{ structuredContent: { vms: string[] } }>(
      await inspector("list_vms", env.stack.keys.admin, args),
    );
    expect([...result.structuredContent.vms].sort()).toEqual([...ALL_VMS].sort());
  });

  it("tools/call ssh_run_command runs a shell command on a VM", async ({ expect }) => {
    // --tool-arg values that parse as JSON become JSON; this one stays a string.
    const args = ["--method", "tools/call", "--tool-name", TOOL_NAMES.runCommand];
    args.push("--tool-arg", `vm_name=${VM.alpha}`, "command=echo inspector-$((6*7))");
    const run = await inspector("run_command", env.stack.keys.admin, args);
    const result = jsonOf<{ isError?: boolean; structuredContent: RunCommand }>(run);
    expect(result.isError ?? false).toBe(false);
    expect(result.structuredContent).toMatchObject({ vm: VM.alpha, return_code: 0, stdout: "inspector-42\n" });
  });

  it("a wrong key is refused with the denial before any method runs", async ({ expect }) => {
    const run = await inspector("wrong key", "not-a-key", ["--method", "tools/list"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Failed to connect to MCP server");
    expect(run.stderr).toContain(DENIED_MESSAGE);
  });
});
