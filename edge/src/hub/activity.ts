/**
 * @module What the status page shows of one hub's work: its recent jobs (calls and background
 * jobs alike) and its recent error events (failed jobs, agent disconnects, refused agents).
 * Kept in the hub's own SQLite, beside the job store, so hibernation and restarts keep them;
 * bounded to the last KEEP_JOBS ended jobs and KEEP_ERRORS errors. Writes are batched, once a
 * second at most: a Durable Object holds every message it sends until its storage writes are
 * on disk, so a write per job start and end put a disk flush in front of each job's dispatch
 * and answer (about 1.5 ms a call). Reads flush the batch first, so they miss nothing. Commands never appear
 * whole: a job reads as its kind, the command's program name and its length (as the audit
 * line keeps only the length), so a secret typed in a command stays out of the page.
 */
import { log } from "../log.js";
import { failure, type JobOutcome, type JobSpec } from "./outcome.js";
import { withSchema } from "./sql-schema.js";

/** The caller name of the status page's own probes; they are not listed among the jobs. */
export const STATUS_CALLER = "(status page)";
export const KEEP_JOBS = 50;
export const KEEP_ERRORS = 20;
/** How long a write waits to be batched with the next ones. */
export const FLUSH_AFTER_MS = 1_000;

export type ActivityState = "running" | "succeeded" | "failed" | "timed_out" | "cancelled" | "lost";

export interface ActivityJob {
  id: string;
  kind: string;
  /** The MCP tool of a background job; null for calls (the hub sees only the job). */
  tool: string | null;
  summary: string;
  caller: string;
  vms: string[];
  background: boolean;
  startedAt: number;
  endedAt: number | null;
  state: ActivityState;
  /** Exit code, failing VMs or error code; null when there is nothing to add. */
  detail: string | null;
}

export interface ActivityError {
  at: number;
  kind: string;
  message: string;
}

type Row = Record<string, string | number | null>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS status_jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, tool TEXT, summary TEXT NOT NULL, caller TEXT NOT NULL,
  vms TEXT NOT NULL, background INTEGER NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER,
  state TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS status_jobs_ended ON status_jobs (ended_at);
CREATE TABLE IF NOT EXISTS status_errors (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);`;

/** A program name worth showing: a plain word or path, nothing that could be an assignment or a value. */
const PROGRAM = /^[A-Za-z0-9_./+-]{1,40}$/;

function commandSummary(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? "";
  const program = PROGRAM.test(first) && !first.includes("=") ? first : "command";
  return `${program} (${command.length} chars)`;
}

/** One line saying what a job does, without its arguments. */
export function summarize(spec: JobSpec): string {
  switch (spec.kind) {
    case "exec":
      return commandSummary(spec.command);
    case "fanout":
      return spec.task
        ? `${spec.task.op} task on ${spec.vms.length} VM(s)`
        : `${commandSummary(spec.command)} on ${spec.vms.length} VM(s)`;
    case "probe":
      return "reachability probe";
    case "distro":
      return "distribution info";
    case "history":
      return `history ${spec.query.op}`;
    case "file_read":
      return "file read";
    case "file_write":
      return "file write";
    case "file_copy":
      return "file copy";
  }
}

function vmsOf(spec: JobSpec): string[] {
  if (spec.kind === "fanout") return spec.vms;
  return "vm" in spec ? [spec.vm] : (spec.query.vms ?? []);
}

/** How an ended job reads: its state and what to add (exit code, failing VMs, error code). */
export function endState(outcome: JobOutcome): { state: ActivityState; detail: string | null } {
  if (!outcome.ok) {
    if (outcome.code === "cancelled") return { state: "cancelled", detail: null };
    return { state: outcome.code === "timeout" ? "timed_out" : "failed", detail: outcome.code };
  }
  const r = outcome.result;
  if (r.kind === "exec") {
    if (r.status === "timeout") return { state: "timed_out", detail: null };
    if (r.status === "error") return { state: "failed", detail: r.error };
    return r.return_code === 0
      ? { state: "succeeded", detail: null }
      : { state: "failed", detail: `exit ${r.return_code}` };
  }
  if (r.kind === "fanout") {
    const vms = Object.values(outcome.vms ?? {});
    const bad = vms.filter((o) => !o.ok || o.result.return_code !== 0).length;
    return bad
      ? { state: "failed", detail: `${bad} of ${vms.length} VM(s) failed` }
      : { state: "succeeded", detail: null };
  }
  return { state: "succeeded", detail: null };
}

function jobOf(r: Row): ActivityJob {
  return {
    id: String(r.id),
    kind: String(r.kind),
    tool: r.tool === null ? null : String(r.tool),
    summary: String(r.summary),
    caller: String(r.caller),
    vms: JSON.parse(String(r.vms)) as string[],
    background: Number(r.background) === 1,
    startedAt: Number(r.started_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    state: String(r.state) as ActivityState,
    detail: r.detail === null ? null : String(r.detail),
  };
}

export class HubActivity {
  private readonly db: () => SqlStorage;
  private readonly queue: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(sql: SqlStorage) {
    this.db = withSchema(sql, SCHEMA);
  }

  private later(write: () => void): void {
    this.queue.push(write);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /** Runs the batched writes, then trims both lists to their bounds. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const writes = this.queue.splice(0);
    if (!writes.length) return;
    try {
      for (const write of writes) write();
      const db = this.db();
      db.exec(
        "DELETE FROM status_jobs WHERE ended_at IS NOT NULL AND id NOT IN (SELECT id FROM status_jobs WHERE ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT ?)",
        KEEP_JOBS,
      );
      db.exec(
        "DELETE FROM status_errors WHERE seq NOT IN (SELECT seq FROM status_errors ORDER BY seq DESC LIMIT ?)",
        KEEP_ERRORS,
      );
    } catch (err) {
      // The status page's memory must never fail a job.
      log("warn", "status_activity_write_failed", { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * Lists a job as running; returns `resolve` wrapped to record how it ends. The status
   * page's own probes are not listed.
   */
  track(
    id: string,
    spec: JobSpec,
    tool: string | null,
    resolve?: (outcome: JobOutcome) => void,
  ): (outcome: JobOutcome) => void {
    if (spec.caller === STATUS_CALLER) return (outcome) => resolve?.(outcome);
    this.started(id, spec, tool);
    return (outcome) => {
      this.ended(id, outcome);
      resolve?.(outcome);
    };
  }

  started(id: string, spec: JobSpec, tool: string | null, now = Date.now()): void {
    const vms = JSON.stringify(vmsOf(spec));
    const summary = summarize(spec);
    this.later(() =>
      this.db().exec(
        "INSERT OR REPLACE INTO status_jobs (id, kind, tool, summary, caller, vms, background, started_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')",
        id,
        spec.kind,
        tool,
        summary,
        spec.caller,
        vms,
        tool === null ? 0 : 1,
        now,
      ),
    );
  }

  /** A job ended: its state, and an error event when it failed for a reason other than its command. */
  ended(id: string, outcome: JobOutcome, now = Date.now()): void {
    const { state, detail } = endState(outcome);
    this.finish(id, outcome, state, detail, now);
  }

  private finish(id: string, outcome: JobOutcome, state: ActivityState, detail: string | null, now: number): void {
    this.later(() => {
      const db = this.db();
      db.exec(
        "UPDATE status_jobs SET ended_at = ?, state = ?, detail = ? WHERE id = ? AND ended_at IS NULL",
        now,
        state,
        detail,
        id,
      );
      if (outcome.ok || outcome.code === "cancelled") return;
      const row = db.exec<Row>("SELECT * FROM status_jobs WHERE id = ?", id).toArray()[0];
      const job = row ? jobOf(row) : null;
      const what = job ? `${job.summary} on ${job.vms.join(", ") || "no VM"} for ${job.caller}` : `job ${id}`;
      this.insertError("job_failed", `${what}: ${outcome.message}`, now);
    });
  }

  error(kind: string, message: string, now = Date.now()): void {
    this.later(() => this.insertError(kind, message, now));
  }

  private insertError(kind: string, message: string, now: number): void {
    this.db().exec("INSERT INTO status_errors (at, kind, message) VALUES (?, ?, ?)", now, kind, message.slice(0, 500));
  }

  /**
   * Running jobs and the latest ended ones, newest first. A job the hub no longer waits on
   * (`alive` says no) but that never ended here was lost with a restart of the hub, unless
   * `endOf` (the background job store) knows how it ended.
   */
  jobs(
    alive: (id: string) => boolean,
    endOf: (id: string) => { at: number; outcome: JobOutcome } | null,
  ): { running: ActivityJob[]; recent: ActivityJob[] } {
    this.flush();
    const rows = this.db()
      .exec<Row>(
        "SELECT * FROM status_jobs WHERE ended_at IS NULL OR id IN (SELECT id FROM status_jobs WHERE ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT ?) ORDER BY started_at DESC, rowid DESC",
        KEEP_JOBS,
      )
      .toArray()
      .map(jobOf);
    const running: ActivityJob[] = [];
    const recent: ActivityJob[] = [];
    for (const job of rows) {
      if (job.endedAt === null && !alive(job.id)) {
        const end = endOf(job.id);
        if (end) {
          this.ended(job.id, end.outcome, end.at);
          Object.assign(job, { endedAt: end.at, ...endState(end.outcome) });
        } else {
          const lost = failure("agent_disconnected", "the hub restarted during the job; its outcome is unknown");
          const at = Date.now();
          this.finish(job.id, lost, "lost", null, at);
          Object.assign(job, { endedAt: at, state: "lost", detail: null });
        }
      }
      (job.endedAt === null ? running : recent).push(job);
    }
    return { running, recent };
  }

  errors(): ActivityError[] {
    this.flush();
    return this.db()
      .exec<Row>("SELECT at, kind, message FROM status_errors ORDER BY seq DESC")
      .toArray()
      .map((r) => ({ at: Number(r.at), kind: String(r.kind), message: String(r.message) }));
  }
}
