/**
 * @module What a dev session started, on disk (`.wrangler/dev-sessions/<launcher pid>.json`),
 * so the next `npm run dev` can tell a live session from the leftovers of a killed one and
 * name them. Processes are recorded as pid + start time (+ the boot): a pid alone may have
 * been reused by an unrelated process since.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listProcs, procCmdline, procInfo } from "./processes.js";

/** Where records live instead of `<repo>/.wrangler/dev-sessions` (tests keep theirs private). */
export const STATE_DIR_ENV = "TELECOMMANDE_DEV_STATE_DIR";

export function sessionsDir(env: NodeJS.ProcessEnv, root: string): string {
  return env[STATE_DIR_ENV] || join(root, ".wrangler", "dev-sessions");
}

/** One process, named for the life of the boot. */
export interface ProcessRecord {
  pid: number;
  /** Clock ticks after boot, from /proc/<pid>/stat. */
  startTime: number;
  /** What it is, for a human: "launcher", "edge (wrangler dev)", `agent "default"`. */
  what: string;
}

export interface SessionRecord {
  bootId: string;
  port: number;
  /** The session's private temp dir (demo keys, wrangler state): removed with the record. */
  tempDir: string | undefined;
  launcher: ProcessRecord;
  /** Each child is the leader of its own process group; everything it spawned is in that group. */
  groups: ProcessRecord[];
}

export function readBootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}

export function processRecord(pid: number, what: string): ProcessRecord {
  return { pid, startTime: procInfo(pid)?.startTime ?? -1, what };
}

/** True when that very process (same pid, same start time) is running. */
function sameProcessRunning(record: ProcessRecord): boolean {
  const info = procInfo(record.pid);
  return info !== null && info.startTime === record.startTime && info.state !== "Z";
}

/** This session's record, rewritten (atomically) whenever it starts something. */
export class SessionFile {
  readonly path: string;
  readonly record: SessionRecord;

  constructor(dir: string, port: number, tempDir: string | undefined) {
    this.path = join(dir, `${process.pid}.json`);
    this.record = { bootId: readBootId(), port, tempDir, launcher: processRecord(process.pid, "launcher"), groups: [] };
    this.save();
  }

  addGroup(pid: number | undefined, what: string): void {
    if (pid === undefined) return;
    this.record.groups.push(processRecord(pid, what));
    this.save();
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }

  private save(): void {
    mkdirSync(join(this.path, ".."), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, `${JSON.stringify(this.record, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.path);
  }
}

/** A process of a recorded session that is still running. */
export interface Survivor {
  pid: number;
  what: string;
  cmdline: string;
}

export interface PreviousSession {
  path: string;
  record: SessionRecord;
  /** Its launcher is still running: a live session, not leftovers. */
  launcherRunning: boolean;
  /** Its children's processes still running, provably the ones it started. */
  survivors: Survivor[];
}

/**
 * The live members of a recorded group. Provably ours: Linux never hands out a pid that still
 * names a process group, so while any member lives the group id is the one we recorded; if the
 * leader's pid now names a process with another start time, our group is gone entirely. With
 * the leader dead, members must also have started after it and run something of this checkout.
 */
function survivorsOf(group: ProcessRecord, root: string): Survivor[] {
  const leader = procInfo(group.pid);
  if (leader && leader.startTime !== group.startTime) return [];
  const leaderRunning = leader !== null && leader.state !== "Z";
  const survivors: Survivor[] = [];
  for (const p of listProcs()) {
    if (p.pgrp !== group.pid || p.state === "Z" || p.startTime < group.startTime) continue;
    const cmdline = procCmdline(p.pid) ?? "";
    if (!leaderRunning && !cmdline.includes(root)) continue;
    survivors.push({ pid: p.pid, what: group.what, cmdline });
  }
  return survivors;
}

function parseRecord(text: string): SessionRecord | null {
  try {
    const value = JSON.parse(text) as SessionRecord;
    const ok =
      typeof value.bootId === "string" &&
      typeof value.port === "number" &&
      typeof value.launcher?.pid === "number" &&
      Array.isArray(value.groups);
    return ok ? value : null;
  } catch {
    return null;
  }
}

/** Every other session recorded in `dir`, with what is left of it. Unreadable records count as empty ones. */
export function findSessions(dir: string, root: string): PreviousSession[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const bootId = readBootId();
  const sessions: PreviousSession[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue; // Removed by its session meanwhile.
    }
    const record = parseRecord(text);
    if (record?.launcher.pid === process.pid) continue;
    if (!record || record.bootId !== bootId) {
      // Another boot: nothing it started can be running now.
      sessions.push({ path, record: record ?? emptyRecord(), launcherRunning: false, survivors: [] });
      continue;
    }
    sessions.push({
      path,
      record,
      launcherRunning: sameProcessRunning(record.launcher),
      survivors: record.groups.flatMap((group) => survivorsOf(group, root)),
    });
  }
  return sessions;
}

function emptyRecord(): SessionRecord {
  return { bootId: "", port: 0, tempDir: undefined, launcher: { pid: 0, startTime: -1, what: "launcher" }, groups: [] };
}
