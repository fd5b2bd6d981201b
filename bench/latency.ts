/**
 * @module Latency of `ssh_run_command` through the whole MCP path (client → wrangler dev
 * edge → agent → sshd) against raw ssh2 execs of the same remote command, at several
 * concurrencies on one VM, sshd at its stock session limits. Goal: at concurrency 1,
 * MCP p50 ≤ 3 × raw p50.
 *
 *   npm run bench:latency -- [--n 200] [--warmup 20] [--concurrency 1,8,32] [--assert]
 *
 * Every call echoes a token unique to it and is checked (not an error, return code 0,
 * stdout the token); wrong answers are counted per row, not thrown. `--assert` exits 1
 * when any call went wrong or the goal is missed. Everything runs on loopback and is
 * stopped at the end.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import { wrapCommand } from "../agent/src/ssh/quote.js";
import { callTool, SSHD_PATH, type Stack, sshdAvailable, startStack, VM } from "../e2e/harness/index.js";
import { type RawRunner, rawRunner, type SshTarget } from "../e2e/harness/ssh-client.js";
import { printTable, type Run, runCalls, summarize, type WrongAnswer, wrongCount } from "./stats.js";

const GOAL_RATIO = 3;
/** Raw baseline: channels per warm connection, under sshd's stock MaxSessions 10. */
const PER_CONNECTION = 8;
const USAGE = "usage: bench/latency.ts [--n <≥ 1>] [--warmup <≥ 0>] [--concurrency 1,8,32] [--assert]";

type Wrong = "error" | "rc" | "out";
type Call = () => Promise<WrongAnswer<Wrong> | undefined>;

interface Row {
  c: number;
  path: string;
  run: Run<Wrong>;
  refusals?: number;
  /** The raw row this one's ratios are taken against. */
  vs?: Row;
}

/** Every call runs `echo <token>`, the token unique across the whole bench. */
let seq = 0;
const echo = () => {
  const token = String(seq++);
  return { command: `echo ${token}`, stdout: `${token}\n` };
};

/**
 * What was wrong with the answer of a command that ran (`failed`: flagged an error anyway;
 * the edge flags rc ≠ 0 itself), `got` shown cut short as the detail.
 */
function check(rc: unknown, stdout: unknown, want: string, got: unknown, failed = false) {
  const kind: Wrong | undefined = rc !== 0 ? "rc" : failed ? "error" : stdout !== want ? "out" : undefined;
  return (
    kind && { kind, detail: `want rc 0, stdout ${JSON.stringify(want)}; got ${JSON.stringify(got).slice(0, 300)}` }
  );
}

/** sshd's effective limits, as `sshd -T` reads its config. */
function sshdLimits(stack: Stack): string {
  try {
    const out = execFileSync(SSHD_PATH, ["-T", "-f", `${stack.sshd.dir}/sshd_config`], { encoding: "utf8" });
    return out
      .split("\n")
      .filter((l) => /^max(sessions|startups) /.test(l))
      .join(", ");
  } catch {
    return "not set in sshd_config (stock: maxsessions 10, maxstartups 10:30:100)";
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "200" },
      warmup: { type: "string", default: "20" },
      concurrency: { type: "string", default: "1,8,32" },
      assert: { type: "boolean", default: false },
    },
  });
  const n = Number(values.n);
  const warmup = Number(values.warmup);
  const levels = values.concurrency.split(",").map(Number);
  const isCount = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!isCount(n, 1) || !isCount(warmup, 0) || !levels.every((c) => isCount(c, 1))) {
    console.error(USAGE);
    return 2;
  }
  if (!sshdAvailable()) return process.env.CI ? 1 : 0;

  let stack: Stack | undefined;
  let raw: RawRunner | undefined;
  try {
    console.error("starting sshd, wrangler dev and the agent…");
    stack = await startStack({ permissions: true });
    // One client for all workers: the SDK sends concurrent requests as concurrent POSTs.
    const mcp = await stack.connect(stack.keys.admin);
    const target: SshTarget = {
      host: "127.0.0.1", // VM alpha's host
      port: stack.sshd.port,
      user: stack.sshd.user,
      privateKey: stack.sshd.clientKey,
      hostKeyFingerprint: stack.sshd.hostKeyFingerprint,
    };

    const viaMcp: Call = async () => {
      const e = echo();
      const result = await callTool(mcp, "ssh_run_command", { vm_name: VM.alpha, command: e.command });
      const out = result.structuredContent as { return_code?: number; stdout?: string } | undefined;
      if (!out) return { kind: "error", detail: JSON.stringify(result.content).slice(0, 300) };
      return check(out.return_code, out.stdout, e.stdout, out, result.isError);
    };
    const viaRaw =
      (runner: RawRunner, wrap: boolean): Call =>
      async () => {
        const e = echo();
        const out = await runner.run(wrap ? wrapCommand(e.command) : e.command);
        return check(out.code, out.stdout, e.stdout, out);
      };

    const rows: Row[] = [];
    let warmupWrong = 0;
    for (const c of levels) {
      const connections = Math.ceil(c / PER_CONNECTION);
      raw = await rawRunner(target, { connections, perConnection: PER_CONNECTION });
      const runner = raw;
      const paths = [
        { path: "MCP ssh_run_command", call: viaMcp, isRaw: false },
        { path: "raw ssh2, agent's command", call: viaRaw(runner, true), isRaw: true },
        ...(c === 1 ? [{ path: "raw ssh2, plain command", call: viaRaw(runner, false), isRaw: true }] : []),
      ];
      console.error(`concurrency ${c}: ${warmup} warmup + ${n} calls per path…`);
      for (const { call } of paths) warmupWrong += wrongCount(await runCalls(warmup, c, call, "error"));
      const level: Row[] = [];
      for (const { path, call, isRaw } of paths) {
        const before = runner.refusals;
        const run = await runCalls(n, c, call, "error");
        level.push({ c, path, run, refusals: isRaw ? runner.refusals - before : undefined });
      }
      if (level[0] && level[1]) level[0].vs = level[1];
      rows.push(...level);
      runner.close();
      raw = undefined;
    }

    const cpus = os.cpus();
    const legend = [
      `\nmachine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "?"}), Node ${process.version}`,
      `sshd: ${sshdLimits(stack)}`,
      "command: every call runs `echo <i>`, i unique per call; right = rc 0 and stdout `<i>\\n`",
      `  MCP: ssh_run_command on VM ${VM.alpha}, one MCP client, c calls in flight`,
      `  raw, agent's command: the agent's remote string, ${wrapCommand("echo <i>")}`,
      "  raw, plain command: `echo <i>` as is (sshd's login shell, no bash -lc)",
      `  raw at concurrency c: ceil(c/${PER_CONNECTION}) warm ssh2 connections, ≤ ${PER_CONNECTION} channels each`,
      "wrong answers: err = tool error without a result, or call rejected; rc = ran, return code ≠ 0; out = wrong stdout\n",
    ];
    console.log(legend.join("\n"));
    const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "-");
    const header = ["c", "path", "n", "err", "rc", "out", "p50 ms", "p95 ms", "calls/s", "p50 ×raw", "p95 ×raw"];
    printTable(
      [...header, "refusals"],
      rows.map(({ c, path, run, refusals, vs }) => {
        const s = summarize(run.samples);
        const r = vs ? summarize(vs.run.samples) : undefined;
        return [
          String(c),
          path,
          String(run.samples.length),
          ...(["error", "rc", "out"] as const).map((k) => String(run.wrong[k] ?? 0)),
          f(s.p50),
          f(s.p95),
          (run.samples.length / (run.wallMs / 1000)).toFixed(0),
          r ? `${f(s.p50 / r.p50)}×` : "",
          r ? `${f(s.p95 / r.p95)}×` : "",
          refusals === undefined ? "" : String(refusals),
        ];
      }),
      2,
    );

    const wrong = rows.reduce((sum, row) => sum + wrongCount(row.run), 0);
    console.log(`\nwrong answers: ${wrong} in the table, ${warmupWrong} during warmup (not in the table)`);
    for (const { c, path, run } of rows) {
      for (const [kind, detail] of Object.entries(run.firstWrong))
        console.log(`  first ${kind} at c=${c}, ${path}: ${detail}`);
    }
    const one = rows.find((row) => row.c === 1 && row.vs);
    let met = true;
    if (one?.vs) {
      const [mcpP50, rawP50] = [summarize(one.run.samples).p50, summarize(one.vs.run.samples).p50];
      const bad = wrongCount(one.run) + wrongCount(one.vs.run);
      met = mcpP50 / rawP50 <= GOAL_RATIO && bad === 0;
      const verdict = met ? "met" : `MISSED${bad ? ` (${bad} wrong answers at concurrency 1)` : ""}`;
      console.log(
        `concurrency 1: MCP p50 / raw p50 = ${f(mcpP50)} / ${f(rawP50)} = ${f(mcpP50 / rawP50)}× (goal ≤ ${GOAL_RATIO}×): ${verdict}`,
      );
    } else console.log("concurrency 1 not measured: goal not checked");
    return values.assert && (!met || wrong > 0) ? 1 : 0;
  } finally {
    raw?.close();
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
