/**
 * @module The dev session's children (wrangler, agents): each in its own process group so
 * it can be stopped with everything it spawned (workerd), its output relayed line by line
 * with a prefix, and its last lines kept to explain an unexpected death.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** Lines kept per child to show when it dies. */
const TAIL_LINES = 30;

export interface ChildSpec {
  /** Prefix for relayed lines, e.g. `[edge]`. */
  label: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Turns a raw line into what a human should see; null hides it. */
  format?: (line: string) => string | null;
  /** Where relayed lines go (stdout by default). */
  write?: (text: string) => void;
  /**
   * "pipe": the child's stdin is a pipe we hold open and never write to. The kernel closes it
   * when we die, however we die, so a child that watches for EOF can stop with us.
   */
  stdin?: "ignore" | "pipe";
}

/** Why a child let the session down; carries the child so its last lines can be shown. */
export class ChildFailed extends Error {
  override name = "ChildFailed";
  constructor(
    readonly child: Child,
    message: string,
  ) {
    super(message);
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Child {
  readonly label: string;
  readonly process: ChildProcess;
  /** Settles once the child has exited (never rejects; a spawn failure counts as an exit). */
  readonly exited: Promise<ExitInfo>;
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();

  constructor(spec: ChildSpec) {
    this.label = spec.label;
    const write = spec.write ?? ((text: string) => process.stdout.write(text));
    // detached = setsid: the child leads its own group, out of reach of the terminal's Ctrl-C,
    // so shutdown happens on our terms (agents signalled before the edge) and reaches grandchildren.
    this.process = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [spec.stdin ?? "ignore", "pipe", "pipe"],
    });
    // Never written to; still, a closed pipe must not become an unhandled error.
    this.process.stdin?.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.process.once("error", (err) => {
        this.remember(`failed to start ${spec.command}: ${err.message}`);
        resolve({ code: null, signal: null });
      });
      this.process.once("exit", (code, signal) => {
        // Its last lines may still be in the pipe: wait for them ("close"), but not for a
        // grandchild that inherited the pipe and lives on.
        const timer = setTimeout(() => resolve({ code, signal }), 250);
        this.process.once("close", () => {
          clearTimeout(timer);
          resolve({ code, signal });
        });
      });
    });
    for (const stream of [this.process.stdout, this.process.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (raw) => {
        const line = raw.trimEnd();
        if (!line) return;
        for (const listener of this.listeners) listener(line);
        const shown = spec.format ? spec.format(line) : line;
        // The tail is shown to a human when the child dies: keep it as they would have seen it.
        this.remember(shown ?? line);
        if (shown !== null) write(`${this.label} ${shown}\n`);
      });
    }
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The last lines the child printed (formatted), oldest first. */
  tail(): string[] {
    return [...this.lines];
  }

  /** Resolves with the first line matching `test`; rejects if the child exits first or time runs out. */
  waitForLine(test: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        fn();
      };
      const listener = (line: string) => {
        if (test(line)) done(() => resolve(line));
      };
      const timer = setTimeout(
        () => done(() => reject(new ChildFailed(this, `${this.label} not ${what} after ${timeoutMs / 1000} s`))),
        timeoutMs,
      );
      this.listeners.add(listener);
      this.exited.then((exit) =>
        done(() => reject(new ChildFailed(this, `${this.label} exited ${describeExit(exit)}`))),
      );
    });
  }

  /** Stops the child's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs = 3_000): Promise<void> {
    return this.pid === undefined ? Promise.resolve() : stopGroup(this.pid, graceMs);
  }

  private remember(line: string): void {
    this.lines.push(line);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }
}

export function describeExit({ code, signal }: ExitInfo): string {
  if (signal) return `on signal ${signal}`;
  return code === null ? "before it started" : `with code ${code}`;
}

/** What /proc/<pid>/stat says about a process (Linux). */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** R, S, D, Z (zombie), … */
  state: string;
  /** Clock ticks after boot: with the pid, it names one process for the life of the boot (pids get reused). */
  startTime: number;
}

/** A process as /proc shows it, or null once it is gone. */
export function procInfo(pid: string | number): ProcInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null; // Exited while we looked.
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    pid: Number(pid),
    state: fields[0] ?? "",
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    startTime: Number(fields[19]),
  };
}

/** Every process /proc shows right now, zombies included. */
export function listProcs(): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procInfo(entry);
    if (info) procs.push(info);
  }
  return procs;
}

/** The command line of a process, arguments joined by spaces; null once it is gone (or a zombie). */
export function procCmdline(pid: number): string | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw ? raw.replace(/\0+$/, "").split("\0").join(" ") : null;
  } catch {
    return null;
  }
}

/** Linux: running, as opposed to gone or a zombie waiting for PID 1 to reap it. */
export function processRunning(pid: number): boolean {
  const stat = procInfo(pid);
  return stat !== null && stat.state !== "Z";
}

/** Linux: a member of the group that is not a zombie, read from /proc. */
function liveMemberInProc(pgid: number): boolean {
  return listProcs().some((p) => p.pgrp === pgid && p.state !== "Z");
}

/**
 * True while any process of the group is alive. Zombies do not count: orphans (workerd once
 * wrangler is gone) are reaped by PID 1, which in a container may take a second or never come.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    // EPERM means it exists but is not ours to signal: still alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return process.platform === "linux" ? liveMemberInProc(pgid) : true;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Gone already.
  }
}

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * SIGTERM to the group, SIGKILL to whatever is left after `graceMs`. Waits for the group to
 * be empty rather than for the leader alone: wrangler's workerd must not outlive it.
 */
export async function stopGroup(pgid: number, graceMs = 3_000): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, "SIGTERM");
  if (await waitGroupGone(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitGroupGone(pgid, 1_000);
}

/** Last resort on process exit (synchronous, so it works in an "exit" handler). */
export function killGroupNow(pgid: number): void {
  signalGroup(pgid, "SIGKILL");
}
