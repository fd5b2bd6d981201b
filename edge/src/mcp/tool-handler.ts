/** @module The edge's half of a tool: a handler bound to one entry of the shared tool table. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Tool, ToolByName, ToolInput, ToolName } from "@telecommande/shared";
import type { ToolDeps } from "./deps.js";
import type { Progress } from "./progress.js";

/** What one call brings besides its arguments: a progress reporter when the client asked for one. */
export interface CallContext {
  progress?: Progress;
}

export type ToolHandler<T extends Tool> = (
  args: ToolInput<T>,
  deps: ToolDeps,
  call: CallContext,
) => Promise<CallToolResult>;

/** One handler per tool of the table: a tool without one does not type-check. */
export type ToolHandlers = { [N in ToolName]: ToolHandler<ToolByName<N>> };
