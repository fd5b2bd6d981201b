/** @module ssh_vm_distro_info: read-only diagnostics (distro, kernel, init, package manager, network, user). */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { DistroInfoOutput, TOOL_NAMES, VmNameInput } from "@telecommande/shared";
import type { ToolDeps } from "../deps.js";
import { structured } from "../result.js";
import { runOnVm } from "../run-on-vm.js";

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
      const run = await runOnVm(deps, TOOL_NAMES.distroInfo, vm_name, {
        kind: "distro",
        timeout_ms: DISTRO_TIMEOUT_MS,
      });
      if (!run.ok) return run.error;
      const { kind: _kind, ...info } = run.result;
      return structured({ vm: run.vm.name, host: run.vm.host, port: run.vm.port, ...info });
    },
  );
}
