/**
 * @module Latency of one `ssh_run_command` through the whole MCP path (client → wrangler
 * dev edge → agent → sshd) against raw ssh2 execs of the same remote command on one warm
 * connection. Goal: MCP p50 ≤ 3 × raw p50.
 *
 *   npm run bench:latency -- [--n 200] [--warmup 20] [--assert]
 *
 * `--assert` exits 1 when the goal is missed. Everything runs on loopback and is stopped
 * at the end.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import type { Client } from "ssh2";
import { wrapCommand } from "../agent/src/ssh/quote.js";
import { callTool, type Stack, sshdAvailable, startStack, VM } from "../e2e/harness/index.js";
import { sshConnect, sshExec } from "../e2e/harness/ssh-client.js";

const GOAL_RATIO = 3;
const COMMAND = "true";

interface Row {
  path: string;
  samples: number[];
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean, min: sorted[0] ?? Number.NaN };
}

async function time(n: number, fn: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

function printTable(rows: Row[]): void {
  const header = ["path", "n", "p50 ms", "p95 ms", "mean ms", "min ms"];
  const body = rows.map((row) => {
    const s = stats(row.samples);
    return [row.path, String(row.samples.length), ...[s.p50, s.p95, s.mean, s.min].map((v) => v.toFixed(2))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of body) console.log(line(r));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "200" },
      warmup: { type: "string", default: "20" },
      assert: { type: "boolean", default: false },
    },
  });
  const n = Number(values.n);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(warmup) || warmup < 0) {
    console.error("usage: bench/latency.ts [--n <count ≥ 1>] [--warmup <count ≥ 0>] [--assert]");
    return 2;
  }
  if (!sshdAvailable()) return process.env.CI ? 1 : 0;

  let stack: Stack | undefined;
  let conn: Client | undefined;
  try {
    console.error("starting sshd, wrangler dev and the agent…");
    stack = await startStack({ permissions: true });
    const mcp = await stack.connect(stack.keys.admin);
    const sshd = stack.sshd;

    const viaMcp = async () => {
      const result = await callTool(mcp, "ssh_run_command", { vm_name: VM.alpha, command: COMMAND });
      const rc = (result.structuredContent as { return_code?: number } | undefined)?.return_code;
      if (result.isError || rc !== 0) throw new Error(`MCP call failed: ${JSON.stringify(result).slice(0, 300)}`);
    };

    // Raw baseline: the same sshd, user and host as VM alpha, one warm connection.
    conn = await sshConnect({
      host: "127.0.0.1",
      port: sshd.port,
      user: sshd.user,
      privateKey: sshd.clientKey,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    });
    const warmConn = conn;
    const rawExec = (command: string) => async () => {
      const out = await sshExec(warmConn, command);
      if (out.code !== 0) throw new Error(`raw exec of ${command} failed: ${JSON.stringify(out)}`);
    };
    const agentCommand = wrapCommand(COMMAND);
    const viaRawWrapped = rawExec(agentCommand);
    const viaRawPlain = rawExec(COMMAND);

    console.error(`warming up (${warmup} calls per path)…`);
    await time(warmup, viaMcp);
    await time(warmup, viaRawWrapped);
    await time(warmup, viaRawPlain);

    console.error(`measuring ${n} sequential calls per path…`);
    const rows: Row[] = [
      { path: "MCP ssh_run_command (full path)", samples: await time(n, viaMcp) },
      { path: "raw ssh2 exec, agent's command", samples: await time(n, viaRawWrapped) },
      { path: "raw ssh2 exec, `true` (no shell)", samples: await time(n, viaRawPlain) },
    ];

    console.log(`\nLatency of "${COMMAND}" on ${os.cpus().length} CPUs, Node ${process.version}`);
    console.log(`agent's remote command: ${agentCommand}\n`);
    printTable(rows);
    const mcpP50 = stats(rows[0]?.samples ?? []).p50;
    const rawP50 = stats(rows[1]?.samples ?? []).p50;
    const ratio = mcpP50 / rawP50;
    const met = ratio <= GOAL_RATIO;
    console.log(
      `\nMCP p50 / raw p50 = ${mcpP50.toFixed(2)} / ${rawP50.toFixed(2)} = ${ratio.toFixed(2)}× (goal ≤ ${GOAL_RATIO}×): ${met ? "met" : "MISSED"}`,
    );
    return values.assert && !met ? 1 : 0;
  } finally {
    conn?.end();
    await stack?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench failed: ${error.message}`);
    process.exit(1);
  },
);
