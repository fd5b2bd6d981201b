/**
 * `npm run dev` stops everything it started, whatever stops it: a signal to the launcher, a
 * SIGTERM to npm, or a SIGKILL of the launcher (the children watch it). And a leftover of a
 * killed run is named on the next start instead of a bare "address in use".
 * Real launcher, real wrangler dev, real agent, demo mode (no sshd needed).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listProcs, type ProcInfo, procCmdline, processRunning } from "../agent/src/dev/processes.js";
import { processRecord, readBootId, type SessionRecord } from "../agent/src/dev/session-record.js";
import { REPO_ROOT } from "./harness/edge.js";
import { freePort, waitFor } from "./harness/ports.js";
import { killGroup, onProcessExit } from "./harness/proc.js";

const DEV = path.join(REPO_ROOT, "agent/bin/dev.mjs");
const STOP_WITH_PARENT = path.join(REPO_ROOT, "agent/bin/stop-with-parent.mjs");
const READY_LINE = "La Télécommande is running locally";
const READY_TIMEOUT_MS = 60_000;
/** How long a stop may take before what is left counts as a leftover. */
const STOP_BOUND_MS = 10_000;

interface Run {
  /** What the test started: the launcher itself, or npm. */
  proc: ChildProcess;
  port: number;
  /** The launcher's state directory (TELECOMMANDE_DEV_STATE_DIR), private to the run. */
  stateDir: string;
  cwd: string;
  output: () => string;
  exited: Promise<number | null>;
  /** The launcher process (under npm when started through it). */
  launcherPid: number;
  /** Every process of the run once it was ready: the launcher's descendants, and its own. */
  tree: ProcInfo[];
}

const runs: Run[] = [];
/** Process groups a test started to play a leftover. */
const strayGroups: number[] = [];

/** Everything the run started that is still alive (not a zombie), as `pid cmdline` lines. */
function leftovers(run: Run): string[] {
  const pids = new Set(run.tree.map((p) => `${p.pid}:${p.startTime}`));
  const groups = new Set(run.tree.map((p) => p.pgrp));
  groups.delete(process.pid); // never count the test runner's own group (it is not in the tree anyway)
  const found: string[] = [];
  for (const p of listProcs()) {
    if (p.state === "Z" || p.pid === process.pid) continue;
    const cmd = procCmdline(p.pid) ?? "";
    const ours =
      pids.has(`${p.pid}:${p.startTime}`) ||
      groups.has(p.pgrp) ||
      // The run's port appears in wrangler's, workerd's and the agent's command lines.
      (cmd.includes(REPO_ROOT) && (cmd.includes(`127.0.0.1:${run.port} `) || cmd.includes(`--port ${run.port} `)));
    if (ours) found.push(`${p.pid} ${cmd.slice(0, 160)}`);
  }
  return found;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** Last resort, synchronous: SIGKILL whatever the run left. */
function killRun(run: Run): void {
  if (run.proc.pid !== undefined) killGroup(run.proc.pid, "SIGKILL");
  for (const line of leftovers(run)) {
    const pid = Number(line.split(" ")[0]);
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

onProcessExit(() => {
  for (const run of runs) killRun(run);
  for (const pgid of strayGroups) killGroup(pgid, "SIGKILL");
});

afterEach(() => {
  for (const pgid of strayGroups.splice(0)) killGroup(pgid, "SIGKILL");
  for (const run of runs.splice(0)) {
    killRun(run);
    rmSync(run.stateDir, { recursive: true, force: true });
    if (run.cwd !== REPO_ROOT) rmSync(run.cwd, { recursive: true, force: true });
  }
});

function descendants(root: number): ProcInfo[] {
  const procs = listProcs().filter((p) => p.state !== "Z");
  const tree = procs.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) {
    const parent = tree[i] as ProcInfo;
    tree.push(...procs.filter((p) => p.ppid === parent.pid));
  }
  return tree;
}

/** Starts `npm run dev` (or the launcher directly) in demo mode on a free port; resolves once it is ready. */
async function startDev(how: "launcher" | "npm", options: { port?: number; stateDir?: string } = {}): Promise<Run> {
  const port = options.port ?? (await freePort());
  const stateDir = options.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "telecommande-dev-state-"));
  // npm runs the script from the package root; the launcher alone runs where there is no config.yaml.
  const cwd = how === "npm" ? REPO_ROOT : mkdtempSync(path.join(os.tmpdir(), "telecommande-dev-cwd-"));
  const { PORT: _port, CONFIG: _config, ...env } = process.env;
  const [command, args] =
    how === "npm"
      ? ["npm", ["run", "dev", "--", "--port", String(port)]]
      : [process.execPath, [DEV, "--port", String(port)]];
  // Its own process group, so the test can clean up after it whatever happens.
  const proc = spawn(command, args, {
    cwd,
    env: { ...env, TELECOMMANDE_DEV_STATE_DIR: stateDir, FORCE_COLOR: "0", NO_COLOR: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const run: Run = { proc, port, stateDir, cwd, output: () => output, exited, launcherPid: 0, tree: [] };
  runs.push(run);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  await waitFor(
    "the launcher's banner",
    () => {
      if (gone) throw new Error(`it exited before it was ready:\n${output}`);
      return output.includes(READY_LINE);
    },
    READY_TIMEOUT_MS,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- output ---\n${output}`);
  });
  expect(output).toContain("starting the demo");
  // The banner names the data directory the agent itself reports using.
  const used = /data_dir=(\S+)/.exec(output)?.[1];
  expect(used).toBeDefined();
  expect(output).toContain(`Agent data     ${used}   (known_hosts`);
  run.tree = descendants(proc.pid as number);
  const launcher = run.tree.find((p) => procCmdline(p.pid)?.includes("agent/bin/dev.mjs"));
  run.launcherPid = launcher?.pid ?? 0;
  // Sanity: the snapshot holds what the test is about.
  const commands = run.tree.map((p) => procCmdline(p.pid) ?? "").join("\n");
  expect(run.launcherPid).toBeGreaterThan(0);
  expect(commands).toContain("wrangler");
  expect(commands).toContain("workerd");
  expect(commands).toContain("agent/bin/agent.mjs");
  return run;
}

/** Within STOP_BOUND_MS, nothing of the run is alive and its port is free. */
async function expectAllGone(run: Run): Promise<void> {
  let left: string[] = [];
  await waitFor(
    "every process of the run to be gone and its port free",
    async () => {
      left = leftovers(run);
      return left.length === 0 && (await portFree(run.port));
    },
    STOP_BOUND_MS,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; still alive:\n${left.join("\n")}\n--- output ---\n${run.output()}`);
  });
}

describe("npm run dev stops everything it started", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)("when the launcher gets %s", async (signal) => {
    const run = await startDev("launcher");
    process.kill(run.launcherPid, signal);
    expect(await run.exited).toBe(0);
    await expectAllGone(run);
    expect(run.output()).toContain("[dev] stopped");
    // A clean stop leaves no record behind.
    expect(readdirSync(run.stateDir)).toEqual([]);
  });

  it("when npm gets SIGTERM", async () => {
    const run = await startDev("npm");
    process.kill(run.proc.pid as number, "SIGTERM");
    await run.exited;
    await expectAllGone(run);
  });

  it("when the launcher is killed with SIGKILL: its children notice and stop", async () => {
    const run = await startDev("launcher");
    process.kill(run.launcherPid, "SIGKILL");
    await run.exited;
    await expectAllGone(run);
  });
});

describe("a leftover of a killed run", () => {
  it("is named on the next start, with its pid and port, and stopped as provably ours", async () => {
    const port = await freePort();
    const stateDir = mkdtempSync(path.join(os.tmpdir(), "telecommande-dev-state-"));
    const stray = await strayRecordedAsEdge(stateDir, port);
    const run = await startDev("launcher", { port, stateDir });
    expect(run.output()).toContain("was killed and left these running");
    expect(run.output()).toMatch(new RegExp(`pid ${stray.pid}\\b.*port ${port}`));
    expect(run.output()).toMatch(new RegExp(`pid ${stray.listener}\\b.*port ${port}`));
    expect(processRunning(stray.pid)).toBe(false);
    expect(processRunning(stray.listener)).toBe(false);
    // The record of the killed run is gone; only the live run's own remains.
    expect(readdirSync(stateDir)).toEqual([`${run.launcherPid}.json`]);
    process.kill(run.launcherPid, "SIGTERM");
    expect(await run.exited).toBe(0);
    await expectAllGone(run);
  });
});

/**
 * What a run killed before its children could stop would leave: a record naming a dead launcher
 * and a live edge group, here the real watcher with a child holding the port (it stays up while
 * the test holds its stdin pipe).
 */
async function strayRecordedAsEdge(stateDir: string, port: number): Promise<{ pid: number; listener: number }> {
  const launcher = spawn("sleep", ["0.2"]);
  const launcherRecord = processRecord(launcher.pid as number, "launcher");
  await new Promise((resolve) => launcher.once("exit", resolve));
  const listen = `require("net").createServer().listen(${port}, "127.0.0.1", () => console.log(process.pid))`;
  const stray = spawn(process.execPath, [STOP_WITH_PARENT, process.execPath, "-e", listen], {
    detached: true,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const pid = stray.pid as number;
  strayGroups.push(pid);
  const listener = await new Promise<number>((resolve) =>
    stray.stdout?.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  expect(await portFree(port)).toBe(false);
  const record: SessionRecord = {
    bootId: readBootId(),
    port,
    tempDir: undefined,
    launcher: launcherRecord,
    groups: [processRecord(pid, "edge (wrangler dev)")],
  };
  writeFileSync(path.join(stateDir, `${launcherRecord.pid}.json`), JSON.stringify(record));
  return { pid, listener };
}
