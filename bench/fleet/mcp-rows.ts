/**
 * @module The MCP rows: one `ssh_run_parallel` call through the whole product (MCP client →
 * wrangler dev edge → Durable Object → agent → sshd) on the size's hosts. Cold: the agent
 * is restarted before each repetition, so every SSH connection is new. Warm: the pool is
 * filled by one untimed call, then every repetition reuses it. The warm row also reads the
 * agent's resident memory with every connection pooled.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type RunParallel, TOOL_NAMES } from "@telecommande/shared";
import { callTool, fleetVm, type Stack, startStack } from "../../e2e/harness/index.js";
import { COMMAND, type FleetHost, type FleetRow, type HostOutcome } from "./types.js";

export interface McpRowsContext {
  /** The bench's temp directory (0711, removed at the end). */
  work: string;
  /** Called with a line for the report (the agent's memory). */
  note: (line: string) => void;
}

const GROUP = "bench";

async function startFor(hosts: FleetHost[]): Promise<{ stack: Stack; client: Client }> {
  const vms = hosts.map(fleetVm);
  const stack = await startStack({
    permissions: true,
    extra: { vms, groups: [{ name: GROUP, vms: vms.map((v) => v.name) }] },
  });
  return { stack, client: await stack.connect(stack.keys.admin) };
}

async function runParallel(client: Client, hosts: FleetHost[]): Promise<HostOutcome[]> {
  const result = await callTool(
    client,
    TOOL_NAMES.runParallel,
    { groups: [GROUP], command: COMMAND, max_parallel: hosts.length, timeout_s: 60 },
    300_000,
  );
  const answer = result.structuredContent as RunParallel | undefined;
  if (!answer) return hosts.map((h) => ({ name: h.name, error: JSON.stringify(result.content).slice(0, 200) }));
  return answer.results.map((r) =>
    r.status === "executed" && r.return_code === 0
      ? { name: r.vm, stdout: r.stdout }
      : { name: r.vm, stdout: r.stdout, error: r.error ?? `${r.status}, exit ${r.return_code ?? r.signal}` },
  );
}

/** Resident memory of a process, from /proc, in MiB. */
function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const line = readFileSync(path.join("/proc", String(pid), "status"), "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : undefined;
}

function mcpRow(id: string, label: string, warm: boolean, context: McpRowsContext): FleetRow {
  let live: { stack: Stack; client: Client } | undefined;
  let size = 0;
  return {
    id,
    label,
    async setup(hosts) {
      size = hosts.length;
      live = await startFor(hosts);
      // Warm: fill the pool (untimed). Cold: the first repetition is cold as it is.
      if (warm) await runParallel(live.client, hosts);
    },
    run: async (hosts) => {
      if (!live) throw new Error("the MCP stack is not running");
      return runParallel(live.client, hosts);
    },
    async afterRep() {
      if (!live) return;
      if (warm) {
        const rss = rssMiB(live.stack.agent.pid);
        if (rss !== undefined) context.note(`agent RSS with ${size} pooled SSH connections: ${rss.toFixed(0)} MiB`);
        return;
      }
      // Cold again: a new agent process has an empty pool (its MCP client stays connected to the edge).
      await live.stack.agent.restart();
    },
    async teardown() {
      await live?.stack.stop();
      live = undefined;
    },
  };
}

export function mcpRows(context: McpRowsContext): FleetRow[] {
  return [
    mcpRow("mcp-cold", "MCP ssh_run_parallel, cold", false, context),
    mcpRow("mcp-warm", "MCP ssh_run_parallel, warm", true, context),
  ];
}
