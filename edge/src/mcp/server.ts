/**
 * @module createServer: one MCP server with every tool of the shared table, built per
 * request (stateless). Registration is a loop: a tool is its table entry plus its handler,
 * and every call passes the policy gate first and leaves one audit line after.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { TOOLS } from "@telecommande/shared";
import { audit } from "../audit.js";
import { callKey } from "../hub/dispatch.js";
import { policyGate } from "../policy/gate.js";
import type { ToolDeps } from "./deps.js";
import { type CallExtra, progressFor } from "./progress.js";
import type { CallContext } from "./tool-handler.js";
import { TOOL_HANDLERS } from "./tools/index.js";

export const SERVER_INFO = { name: "la-telecommande", version: "0.1.0" } as const;

const INSTRUCTIONS =
  "La Télécommande runs commands on a fleet of Linux VMs over SSH. Start with ssh_list_vms to see the VMs you may use, " +
  "ssh_is_vm_up to check one is reachable, ssh_vm_distro_info to learn its distro and package manager, then ssh_run_command on one VM or ssh_run_parallel on many (by name or group) at once.";

export function createServer(deps: ToolDeps): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  for (const tool of TOOLS) {
    // The table pairs each schema with its handler by name; the SDK has validated the args against it.
    const handler = TOOL_HANDLERS[tool.name] as (
      args: unknown,
      deps: ToolDeps,
      call: CallContext,
    ) => Promise<CallToolResult>;
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: tool.annotations,
      },
      async (args: unknown, extra: CallExtra) => {
        const startedAt = Date.now();
        const input = (args ?? {}) as Record<string, unknown>;
        const gate = await policyGate(tool.name, input, deps);
        const record = {
          tool: tool.name,
          caller: deps.caller.name,
          startedAt,
          requestId: extra.requestId,
          args: input,
          vms: gate.vms,
          decision: gate.decision,
          reason: gate.reason,
        };
        if (gate.decision !== "allow") {
          audit({ ...record, result: gate.result });
          return gate.result;
        }
        // Jobs of this call carry its key, so a cancellation (its own request) finds them.
        const call = callKey(deps.caller.name, extra.requestId);
        const callDeps: ToolDeps = { ...deps, runJob: (agent, spec, watch) => deps.runJob(agent, spec, watch, call) };
        try {
          const result = await handler(gate.args, callDeps, { progress: progressFor(extra) });
          audit({ ...record, result });
          return result;
        } catch (e) {
          audit({ ...record, result: undefined, threw: (e as Error).name });
          throw e;
        }
      },
    );
  }
  return server;
}
