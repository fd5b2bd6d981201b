/** @module ssh_is_vm_up: TCP probe of the VM's SSH port, made by the agent inside the network. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { IsVmUpOutput, TOOL_NAMES, VmNameInput } from "@telecommande/shared";
import type { ToolDeps } from "../deps.js";
import { structured } from "../result.js";
import { runOnVm } from "../run-on-vm.js";

const PROBE_TIMEOUT_MS = 5_000;

export function registerIsVmUpTool(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    TOOL_NAMES.isVmUp,
    {
      title: "Is VM up",
      description:
        "Quick reachability check: opens a TCP connection to the VM's SSH port and reports whether it answered and the latency in ms.",
      inputSchema: VmNameInput,
      outputSchema: IsVmUpOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    async ({ vm_name }) => {
      const run = await runOnVm(deps, TOOL_NAMES.isVmUp, vm_name, { kind: "probe", timeout_ms: PROBE_TIMEOUT_MS });
      if (!run.ok) return run.error;
      const { vm, result } = run;
      return structured({
        vm: vm.name,
        host: vm.host,
        port: vm.port,
        reachable: result.reachable,
        latency_ms: result.latency_ms,
        reason: result.reason,
      });
    },
  );
}
