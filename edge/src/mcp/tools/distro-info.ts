/** @module ssh_vm_distro_info: read-only diagnostics (distro, kernel, init, package manager, network, user). */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { DistroInfoOutput, TOOL_NAMES, VmNameInput } from "@telecommande/shared";
import { permittedVm } from "../../auth/caller.js";
import type { ToolDeps } from "../deps.js";
import { denied, structured, toolError } from "../result.js";

const DISTRO_TIMEOUT_MS = 30_000;

export function registerDistroInfoTool(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    TOOL_NAMES.distroInfo,
    {
      title: "VM distro info",
      description:
        "Read-only diagnostics of a VM: Linux distribution and version, kernel, architecture, init system, package manager (apt, dnf, yum, zypper, pacman, apk), hostname and addresses, SSH user and whether it has passwordless sudo. Use it before installing packages or writing distro-specific commands.",
      inputSchema: VmNameInput,
      outputSchema: DistroInfoOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    async ({ vm_name }) => {
      const vm = permittedVm(deps.caller, vm_name);
      if (!vm) return denied();
      const outcome = await deps.runJob(vm, {
        kind: "distro",
        caller: deps.caller.name,
        timeout_ms: DISTRO_TIMEOUT_MS,
      });
      if (!outcome.ok) return toolError(`${TOOL_NAMES.distroInfo} on ${vm.name} failed: ${outcome.message}`);
      if (outcome.result.kind !== "distro") return toolError("the agent answered with the wrong kind of result");
      const { kind: _kind, ...info } = outcome.result;
      return structured({ vm: vm.name, host: vm.host, port: vm.port, ...info });
    },
  );
}
