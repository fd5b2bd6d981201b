/**
 * @module Child processes the harness owns: each runs in its own process group, logs to
 * a file and a tail buffer, and is killed by group on stop or, as a last resort, when
 * the test process exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const TAIL_LINES = 80;

/** Synchronous last-resort cleanups, run if the test process exits with things still up. */
const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;

function runExitCleanups(): void {
  for (const fn of exitCleanups) {
    try {
      fn();
    } catch {
      // best effort: the process is going away
    }
  }
  exitCleanups.clear();
}

/**
 * Registers a synchronous cleanup for when this process ends: normal exit, or a signal.
 * vitest stops its fork workers with a plain SIGTERM (e.g. after a hook timeout), which
 * would otherwise skip `exit` handlers and leave wrangler and sshd running.
 */
export function onProcessExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", runExitCleanups);
    const signals = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129 } as const;
    for (const [signal, code] of Object.entries(signals)) {
      process.once(signal, () => {
        runExitCleanups();
        process.exit(code);
      });
    }
  }
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

/** Sends a signal to a whole process group; false when the group is already gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Called for each complete line of output (stdout and stderr). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One spawned program in its own process group. */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** Resolves when stdout and stderr are closed (after exit, once no child holds them). */
  private readonly closed: Promise<void>;
  private exitInfo: ExitInfo | undefined;
  private readonly tail: string[] = [];
  private readonly log: WriteStream;
  private readonly unregister: () => void;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    options: SpawnOptions,
  ) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    this.log = createWriteStream(options.logFile, { flags: "a", mode: 0o600 });
    this.log.on("error", () => undefined); // a lost log line must not crash the test run
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (this.child.pid === undefined) throw new Error(`${label}: failed to spawn ${command}`);
    this.pid = this.child.pid;
    const pid = this.pid;
    this.unregister = onProcessExit(() => killGroup(pid, "SIGKILL"));
    for (const stream of ["stdout", "stderr"] as const) {
      let partial = "";
      this.child[stream]?.setEncoding("utf8");
      this.child[stream]?.on("data", (chunk: string) => {
        if (!this.log.writableEnded) this.log.write(chunk);
        partial += chunk;
        const lines = partial.split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.pushLine(line, stream, options.onLine);
      });
      this.child[stream]?.on("end", () => {
        if (partial) this.pushLine(partial, stream, options.onLine);
        partial = "";
      });
    }
    this.closed = new Promise((resolve) => this.child.once("close", () => resolve()));
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.once("error", (error) => {
        this.pushLine(`spawn error: ${error.message}`, "stderr", undefined);
        this.exitInfo = { code: -1, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  private pushLine(line: string, stream: "stdout" | "stderr", onLine: SpawnOptions["onLine"]): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    onLine?.(line, stream);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Last lines of output, for error messages. */
  logTail(lines = 40): string {
    return this.tail.slice(-lines).join("\n");
  }

  /** Signals the whole group (the program and anything it spawned). */
  signal(signal: NodeJS.Signals): void {
    killGroup(this.pid, signal);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`, then waits for the exit. */
  async stop(graceMs = 3_000): Promise<ExitInfo> {
    if (this.running) {
      killGroup(this.pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(this.pid, "SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // Children that outlived the leader (workerd under wrangler) share its group.
    killGroup(this.pid, "SIGKILL");
    this.unregister();
    await Promise.race([this.closed, sleep(2_000)]);
    if (!this.log.writableEnded) {
      this.log.end();
      await once(this.log, "close").catch(() => undefined);
    }
    return this.exitInfo ?? { code: null, signal: null };
  }
}

/** An Error whose message ends with the process's recent output. */
export function withTail(message: string, proc: ManagedProcess | undefined): Error {
  const tail = proc?.logTail();
  return new Error(tail ? `${message}\n--- ${proc?.label} log tail ---\n${tail}` : message);
}
