/**
 * @module Where the MCP rows (`ssh_run_parallel` through edge → Durable Object → agent →
 * sshd) plug into the fleet bench. Empty until that tool exists: no MCP numbers rather
 * than made-up ones.
 */
import type { FleetRow } from "./types.js";

export interface McpRowsContext {
  /** The bench's temp directory (0711, removed at the end): put the stack's files under it. */
  work: string;
}

/**
 * The MCP rows, in table order. Each row's `setup(hosts)` gets the size's hosts (address,
 * port, user, client key, host key) to put in the agent's config and start a stack,
 * untimed; `run(hosts)` makes one `ssh_run_parallel` call and maps its per-VM results to
 * `HostOutcome`s (`stdout` as printed; `error` when the VM failed); `teardown()` stops it.
 */
export function mcpRows(_context: McpRowsContext): FleetRow[] {
  return [];
}
