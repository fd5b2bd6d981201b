/** @module ssh_list_vms: the VM names the caller may access. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListVmsOutput, TOOL_NAMES } from "@telecommande/shared";
import type { ToolDeps } from "../deps.js";
import { structured } from "../result.js";

export function registerListVmsTool(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    TOOL_NAMES.listVms,
    {
      title: "List VMs",
      description:
        "List the names of the VMs you can access. Call this first, then use a name as `vm_name` in the other tools.",
      inputSchema: {},
      outputSchema: ListVmsOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async () => structured({ vms: deps.caller.vms.map((vm) => vm.name) }),
  );
}
