/** @module ssh_is_vm_up: TCP probe of the VM's SSH port, made by the agent inside the network. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { IsVmUpOutput, TOOL_NAMES, VmNameInput } from "@telecommande/shared";
import { permittedVm } from "../../auth/caller.js";
import type { ToolDeps } from "../deps.js";
import { denied, structured, toolError } from "../result.js";

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
      const vm = permittedVm(deps.caller, vm_name);
      if (!vm) return denied();
      const outcome = await deps.runJob(vm, { kind: "probe", caller: deps.caller.name, timeout_ms: PROBE_TIMEOUT_MS });
      if (!outcome.ok) return toolError(`${TOOL_NAMES.isVmUp} on ${vm.name} failed: ${outcome.message}`);
      if (outcome.result.kind !== "probe") return toolError("the agent answered with the wrong kind of result");
      const { reachable, latency_ms, reason } = outcome.result;
      return structured({ vm: vm.name, host: vm.host, port: vm.port, reachable, latency_ms, reason });
    },
  );
}
