/** @module createServer: one MCP server with the SSH tools, built per request (stateless). */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "./deps.js";
import { registerDistroInfoTool } from "./tools/distro-info.js";
import { registerIsVmUpTool } from "./tools/is-vm-up.js";
import { registerListVmsTool } from "./tools/list-vms.js";
import { registerRunCommandTool } from "./tools/run-command.js";

export const SERVER_INFO = { name: "la-telecommande", version: "0.1.0" } as const;

const INSTRUCTIONS =
  "La Télécommande runs commands on a fleet of Linux VMs over SSH. Start with ssh_list_vms to see the VMs you may use, " +
  "ssh_is_vm_up to check one is reachable, ssh_vm_distro_info to learn its distro and package manager, then ssh_run_command.";

export function createServer(deps: ToolDeps): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  registerListVmsTool(server, deps);
  registerIsVmUpTool(server, deps);
  registerDistroInfoTool(server, deps);
  registerRunCommandTool(server, deps);
  return server;
}
