/** @module ssh_run_command: runs a shell command on one VM (bash -lc) and returns its output. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { DEFAULT_TIMEOUT_S, RunCommandInput, RunCommandOutput, TOOL_NAMES } from "@telecommande/shared";
import { permittedVm } from "../../auth/caller.js";
import type { ToolDeps } from "../deps.js";
import { denied, structured, toolError } from "../result.js";

export function registerRunCommandTool(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    TOOL_NAMES.runCommand,
    {
      title: "Run command",
      description:
        "Run a shell command on a VM over SSH (as `bash -lc`, as the VM's configured user) and return stdout, stderr and the exit code. A non-zero exit is reported as an error with the full output kept. Each stream is capped at 1 MiB (marked when truncated). Default timeout 120 s (`timeout_s`, up to 3600).",
      inputSchema: RunCommandInput,
      outputSchema: RunCommandOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ command, vm_name, timeout_s }) => {
      const vm = permittedVm(deps.caller, vm_name);
      if (!vm) return denied();
      const timeout_ms = (timeout_s ?? DEFAULT_TIMEOUT_S) * 1000;
      const outcome = await deps.runJob(vm, { kind: "exec", caller: deps.caller.name, command, timeout_ms });
      if (!outcome.ok) return toolError(`${TOOL_NAMES.runCommand} on ${vm.name} failed: ${outcome.message}`);
      if (outcome.result.kind !== "exec") return toolError("the agent answered with the wrong kind of result");
      const r = outcome.result;
      return structured(
        {
          command,
          status: "executed",
          stdout: r.stdout,
          stderr: r.stderr,
          return_code: r.return_code,
          vm: vm.name,
          duration_ms: r.duration_ms,
          signal: r.signal,
          stdout_truncated: r.stdout_truncated,
          stderr_truncated: r.stderr_truncated,
        },
        r.return_code !== 0,
      );
    },
  );
}
