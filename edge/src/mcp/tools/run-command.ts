/** @module ssh_run_command: runs a shell command on one VM (bash -lc) and returns its output. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { DEFAULT_TIMEOUT_S, RunCommandInput, RunCommandOutput, TOOL_NAMES } from "@telecommande/shared";
import type { ToolDeps } from "../deps.js";
import { structured } from "../result.js";
import { runOnVm } from "../run-on-vm.js";

export function registerRunCommandTool(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    TOOL_NAMES.runCommand,
    {
      title: "Run command",
      description:
        "Run a shell command on a VM over SSH (as `bash -lc`, as the VM's configured user) and return stdout, stderr and the exit code. A non-zero exit is reported as an error with the full output kept; a command that runs past its timeout is killed and comes back with its output so far and `status` set to `timeout`. Each stream is capped at 1 MiB (marked when truncated). Default timeout 120 s (`timeout_s`, up to 3600).",
      inputSchema: RunCommandInput,
      outputSchema: RunCommandOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ command, vm_name, timeout_s }) => {
      const timeout_ms = (timeout_s ?? DEFAULT_TIMEOUT_S) * 1000;
      const run = await runOnVm(deps, TOOL_NAMES.runCommand, vm_name, { kind: "exec", command, timeout_ms });
      if (!run.ok) return run.error;
      const r = run.result;
      return structured(
        {
          command,
          status: r.status,
          stdout: r.stdout,
          stderr: r.stderr,
          return_code: r.return_code,
          vm: run.vm.name,
          duration_ms: r.duration_ms,
          signal: r.signal,
          error: r.error,
          stdout_truncated: r.stdout_truncated,
          stderr_truncated: r.stderr_truncated,
        },
        r.status !== "executed" || r.return_code !== 0,
      );
    },
  );
}
